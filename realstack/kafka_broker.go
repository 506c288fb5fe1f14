package realstack

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// ErrRunning is returned by Broker.Start on a node that is running.
var ErrRunning = errors.New("realstack: already running")

// Broker is one node of a Kafka cluster (a combined broker and controller).
// Safe for concurrent use.
type Broker struct {
	k              *Kafka
	id             int32
	port           int
	controllerPort int
	dir            string

	mu   sync.Mutex
	proc *Process // nil when stopped
}

// ID returns the node.id (1-based).
func (b *Broker) ID() int32 { return b.id }

// Addr returns the client address, "127.0.0.1:port".
func (b *Broker) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)) }

// ControllerAddr returns the KRaft controller address.
func (b *Broker) ControllerAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(b.controllerPort))
}

// Dir returns the node's directory (server.properties, data/).
func (b *Broker) Dir() string { return b.dir }

// LogPath returns the node's log file (stdout and stderr of every start,
// appended).
func (b *Broker) LogPath() string { return filepath.Join(b.dir, "kafka.log") }

func (b *Broker) propsPath() string { return filepath.Join(b.dir, "server.properties") }

// Process returns the running JVM, or nil when the node is stopped.
func (b *Broker) Process() *Process {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.proc
}

// Running reports whether the node's JVM is running.
func (b *Broker) Running() bool {
	p := b.Process()
	if p == nil {
		return false
	}
	exited, _ := p.Exited()
	return !exited
}

// Start starts a stopped node again with the same configuration and log
// directory and waits until it answers a Metadata request listing itself
// (bounded by ctx and KafkaConfig.StartTimeout). A node that exits while
// starting yields an *ExitError naming its log file.
func (b *Broker) Start(ctx context.Context) error {
	if b.Running() {
		return fmt.Errorf("%w: kafka node %d", ErrRunning, b.id)
	}
	t0 := time.Now()
	if err := b.launch(); err != nil {
		return err
	}
	if err := b.waitReady(ctx, 0); err != nil {
		return err
	}
	b.k.cfg.Logger.Info("realstack: kafka node restarted", "node", b.id, "took", time.Since(t0))
	return nil
}

// Stop stops the node: SIGTERM (a controlled shutdown moves its partition
// leaders away), SIGKILL after KafkaConfig.StopGrace or when ctx ends. A
// stopped node is a no-op.
func (b *Broker) Stop(ctx context.Context) error {
	b.mu.Lock()
	p := b.proc
	b.proc = nil
	b.mu.Unlock()
	if p == nil {
		return nil
	}
	t0 := time.Now()
	err := p.Stop(ctx)
	b.k.cfg.Logger.Info("realstack: kafka node stopped", "node", b.id, "took", time.Since(t0))
	return err
}

// Kill stops the node with SIGKILL at once: no controlled shutdown, as
// when a machine dies.
func (b *Broker) Kill() error {
	b.mu.Lock()
	p := b.proc
	b.proc = nil
	b.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.Kill()
}

// java returns a ProcessConfig running class with args on the Kafka
// classpath, logging to the node's log file.
func (b *Broker) java(name string, args ...string) ProcessConfig {
	cfg := b.k.cfg
	jvm := []string{
		fmt.Sprintf("-Xmx%dm", cfg.HeapMB), fmt.Sprintf("-Xms%dm", min(cfg.HeapMB, 256)),
		// Measured on 2 cores: C1 only and the serial collector start a
		// broker with 40% less CPU than the JVM's defaults (G1, C2).
		"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.awt.headless=true",
		"-Dlog4j2.configurationFile=" + filepath.Join(b.k.dir, "log4j2.properties"),
		"-Dkafka.logs.dir=" + b.dir,
	}
	jvm = append(jvm, cfg.JVMArgs...)
	jvm = append(jvm, "-cp", b.k.classpath)
	return ProcessConfig{
		Name: name, Path: cfg.Java, Args: append(jvm, args...), Dir: b.dir,
		LogPath: b.LogPath(), StopGrace: cfg.StopGrace,
	}
}

// format runs the storage tool for the node, bounded by ctx.
func (b *Broker) format(ctx context.Context) error {
	p, err := StartProcess(b.java(fmt.Sprintf("kafka-%d storage format", b.id),
		"kafka.tools.StorageTool", "format", "-t", b.k.clusterID, "-c", b.propsPath()))
	if err != nil {
		return err
	}
	select {
	case <-p.Done():
	case <-ctx.Done():
		_ = p.Kill()
		return fmt.Errorf("realstack: kafka node %d: storage format: %w; log %s", b.id, ctx.Err(), b.LogPath())
	}
	if _, err := p.Exited(); err != nil {
		return p.exitError()
	}
	return nil
}

// launch starts the node's server JVM.
func (b *Broker) launch() error {
	p, err := StartProcess(b.java(fmt.Sprintf("kafka-%d", b.id), "kafka.Kafka", b.propsPath()))
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.proc = p
	b.mu.Unlock()
	return nil
}

// waitReady waits until the node answers a Metadata request that lists
// itself and at least want brokers.
func (b *Broker) waitReady(ctx context.Context, want int) error {
	p := b.Process()
	if p == nil {
		return fmt.Errorf("realstack: kafka node %d is not running", b.id)
	}
	return p.WaitReady(ctx, b.k.cfg.StartTimeout, func(ctx context.Context) error {
		ids, err := MetadataBrokers(ctx, b.Addr())
		switch {
		case err != nil:
			return err
		case !slices.Contains(ids, b.id):
			return fmt.Errorf("node %d not yet in its own metadata (brokers %v)", b.id, ids)
		case len(ids) < want:
			return fmt.Errorf("metadata lists brokers %v, want %d", ids, want)
		}
		return nil
	})
}

// MetadataBrokers sends one Metadata request (no topics) to the broker at
// addr and returns the ids of the brokers it lists, sorted. Timeouts are
// the smaller of 5 s and what ctx has left.
func MetadataBrokers(ctx context.Context, addr string) ([]int32, error) {
	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if timeout <= 0 {
		return nil, context.DeadlineExceeded
	}
	conf := sarama.NewConfig()
	conf.Version = KafkaSaramaVersion
	conf.ClientID = "realstack-probe"
	conf.Net.DialTimeout, conf.Net.ReadTimeout, conf.Net.WriteTimeout = timeout, timeout, timeout
	conf.Metadata.Retry.Max = 0
	br := sarama.NewBroker(addr)
	if err := br.Open(conf); err != nil {
		return nil, err
	}
	defer br.Close()
	resp, err := br.GetMetadata(sarama.NewMetadataRequest(conf.Version, nil))
	if err != nil {
		return nil, err
	}
	ids := make([]int32, 0, len(resp.Brokers))
	for _, x := range resp.Brokers {
		ids = append(ids, x.ID())
	}
	slices.Sort(ids)
	return ids, nil
}

// serverProperties renders node b's server.properties.
func serverProperties(cfg KafkaConfig, b *Broker, voters string, nodes int) string {
	repl, minISR := min(nodes, 3), 1
	if nodes >= 3 {
		minISR = 2
	}
	props := map[string]string{
		"process.roles":                                    "broker,controller",
		"node.id":                                          strconv.Itoa(int(b.id)),
		"controller.quorum.voters":                         voters,
		"listeners":                                        fmt.Sprintf("PLAINTEXT://%s,CONTROLLER://%s", b.Addr(), b.ControllerAddr()),
		"advertised.listeners":                             "PLAINTEXT://" + b.Addr(),
		"controller.listener.names":                        "CONTROLLER",
		"inter.broker.listener.name":                       "PLAINTEXT",
		"listener.security.protocol.map":                   "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
		"log.dirs":                                         filepath.Join(b.dir, "data"),
		"num.partitions":                                   "1",
		"default.replication.factor":                       strconv.Itoa(repl),
		"min.insync.replicas":                              strconv.Itoa(minISR),
		"offsets.topic.replication.factor":                 strconv.Itoa(repl),
		"offsets.topic.num.partitions":                     "10",
		"transaction.state.log.replication.factor":         strconv.Itoa(repl),
		"transaction.state.log.min.isr":                    strconv.Itoa(minISR),
		"share.coordinator.state.topic.replication.factor": strconv.Itoa(repl),
		"share.coordinator.state.topic.min.isr":            strconv.Itoa(minISR),
		"group.initial.rebalance.delay.ms":                 "0",
		"num.network.threads":                              "2",
		"num.io.threads":                                   "4",
	}
	maps.Copy(props, cfg.Properties)
	keys := slices.Sorted(maps.Keys(props))
	var sb strings.Builder
	sb.WriteString("# written by flinkscale realstack\n")
	for _, k := range keys {
		if props[k] == "" {
			continue
		}
		fmt.Fprintf(&sb, "%s=%s\n", k, props[k])
	}
	return sb.String()
}
