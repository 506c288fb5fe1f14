package realstack

import (
	"context"
	"crypto/rand"
	_ "embed" // the Kafka pom
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale"
)

// kafkaPOM is maven/kafka/pom.xml: the broker's runtime classpath.
//
//go:embed maven/kafka/pom.xml
var kafkaPOM []byte

// DefaultKafkaVersion is the Kafka release started when
// KafkaConfig.Version is empty: the newest 4.x release on Maven Central
// when this was written. The real tier passes against it and against 4.3.2
// with sarama v1.61.1 (whose newest version constant is V4_3_1_0: sarama
// picks request versions from Config.Version, and every version from
// V2_1_0_0 on speaks to Kafka 4).
const DefaultKafkaVersion = "4.4.0"

// Defaults of KafkaConfig.
const (
	DefaultKafkaHeapMB       = 512
	DefaultKafkaStartTimeout = 2 * time.Minute
	DefaultKafkaStopGrace    = 15 * time.Second
)

// ErrInvalidConfig wraps every error about a bad configuration; it wraps
// flinkscale.ErrInvalidConfig.
var ErrInvalidConfig = fmt.Errorf("realstack: %w", flinkscale.ErrInvalidConfig)

// KafkaSaramaVersion is the sarama protocol version the harness speaks
// (readiness probes, SaramaConfig). Kafka 4 removed every request version
// older than Kafka 2.1's (KIP-896): a sarama Version from V2_1_0_0 on is
// needed; the real tier runs V2_8_0_0 (kafkalag's default) and this one.
var KafkaSaramaVersion = sarama.V3_9_0_0

// KafkaConfig configures a local Kafka cluster. Zero fields mean the
// documented defaults.
type KafkaConfig struct {
	// Brokers is the number of nodes, each a combined broker and KRaft
	// controller (node ids 1..Brokers). With 3 or more, topics default to
	// replication factor 3 and min.insync.replicas 2 (internal topics too);
	// below 3, to the number of nodes and 1. Default: 1.
	Brokers int
	// Version is the Kafka release (org.apache.kafka:kafka_2.13).
	// Default: DefaultKafkaVersion.
	Version string
	// Dir is the run directory (node directories, logs, configuration).
	// Default: a new directory under os.TempDir() that Close removes; a
	// Dir given here is kept.
	Dir string
	// Ports are the client (PLAINTEXT) ports of the brokers, one per node,
	// and ControllerPorts their controller ports. A port already in use
	// fails NewKafka with ErrPortInUse. Default: free ports.
	Ports, ControllerPorts []int
	// HeapMB is each JVM's maximum heap (-Xmx); the initial heap is the
	// smaller of it and 256. Default: DefaultKafkaHeapMB.
	HeapMB int
	// JVMArgs are added to each broker's JVM options, after the harness's
	// own (-Xmx/-Xms, -XX:+UseSerialGC -XX:TieredStopAtLevel=1: C1 only
	// starts a broker with 40% less CPU; later options win, so
	// "-XX:TieredStopAtLevel=4" restores C2). Default: none.
	JVMArgs []string
	// Properties override or add server.properties entries on every node
	// (an empty value removes an entry). The harness writes the KRaft
	// settings (roles, node id, voters, listeners on 127.0.0.1), the
	// replication factors and min ISR of Brokers above, and three
	// departures from Kafka's defaults for a small machine:
	// offsets.topic.num.partitions 10 (not 50), num.network.threads 2 and
	// num.io.threads 4; group.initial.rebalance.delay.ms is 0. Default:
	// none.
	Properties map[string]string
	// StartTimeout bounds the wait for one node to become ready (after
	// the jars are resolved). Default: DefaultKafkaStartTimeout.
	StartTimeout time.Duration
	// StopGrace is how long a stopping node may shut down cleanly before
	// SIGKILL. Default: DefaultKafkaStopGrace.
	StopGrace time.Duration
	// Java is the java executable. Default: FindJava().
	Java string
	// Maven says how the classpath is resolved (its Properties get
	// kafka.version set). Default: the zero MavenConfig.
	Maven MavenConfig
	// Logger receives start and stop events with timings. Default: none.
	Logger *slog.Logger
}

// Validate reports a configuration NewKafka would refuse.
func (c KafkaConfig) Validate() error {
	switch {
	case c.Brokers < 0:
		return fmt.Errorf("%w: Brokers %d < 0", ErrInvalidConfig, c.Brokers)
	case c.HeapMB < 0 || c.StartTimeout < 0 || c.StopGrace < 0:
		return fmt.Errorf("%w: negative HeapMB, StartTimeout or StopGrace", ErrInvalidConfig)
	case c.Ports != nil && len(c.Ports) != max(c.Brokers, 1):
		return fmt.Errorf("%w: %d Ports for %d brokers", ErrInvalidConfig, len(c.Ports), max(c.Brokers, 1))
	case c.ControllerPorts != nil && len(c.ControllerPorts) != max(c.Brokers, 1):
		return fmt.Errorf("%w: %d ControllerPorts for %d brokers", ErrInvalidConfig, len(c.ControllerPorts), max(c.Brokers, 1))
	case c.Version != "" && !strings.HasPrefix(c.Version, "4."):
		return fmt.Errorf("%w: Kafka version %q: only 4.x is supported", ErrInvalidConfig, c.Version)
	}
	return nil
}

func (c KafkaConfig) withDefaults() KafkaConfig {
	c.Brokers = max(c.Brokers, 1)
	if c.Version == "" {
		c.Version = DefaultKafkaVersion
	}
	if c.HeapMB == 0 {
		c.HeapMB = DefaultKafkaHeapMB
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = DefaultKafkaStartTimeout
	}
	if c.StopGrace == 0 {
		c.StopGrace = DefaultKafkaStopGrace
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// Kafka is a local Kafka cluster started by NewKafka. Safe for concurrent
// use.
type Kafka struct {
	cfg       KafkaConfig
	dir       string
	ownDir    bool // Close removes dir
	clusterID string
	classpath string
	brokers   []*Broker

	closeOnce sync.Once
	closeErr  error
}

// NewKafka resolves Kafka's jars (once per version, see ResolveClasspath),
// formats every node's storage and starts the cluster, returning once every
// node answers a Metadata request listing all of them. ctx bounds the whole
// start (the Maven resolution included); on error nothing is left running.
func NewKafka(ctx context.Context, cfg KafkaConfig) (*Kafka, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	var err error
	if cfg.Java, err = javaOr(cfg.Java); err != nil {
		return nil, err
	}
	ports, err := kafkaPorts(cfg)
	if err != nil {
		return nil, err
	}
	k := &Kafka{cfg: cfg, dir: cfg.Dir}
	if k.dir == "" {
		if k.dir, err = os.MkdirTemp("", "realstack-kafka-"); err != nil {
			return nil, fmt.Errorf("realstack: run directory: %w", err)
		}
		k.ownDir = true
	}
	fail := func(err error) (*Kafka, error) {
		_ = k.Close()
		return nil, err
	}
	mvn := cfg.Maven
	mvn.Properties = map[string]string{"kafka.version": cfg.Version}
	for key, v := range cfg.Maven.Properties {
		mvn.Properties[key] = v
	}
	start := time.Now()
	if k.classpath, err = ResolveClasspath(ctx, kafkaPOM, mvn); err != nil {
		return fail(err)
	}
	cfg.Logger.Info("realstack: kafka classpath resolved", "version", cfg.Version, "took", time.Since(start))
	if k.clusterID, err = newClusterID(); err != nil {
		return fail(err)
	}
	if err := k.layout(ports); err != nil {
		return fail(err)
	}
	if err := k.start(ctx); err != nil {
		return fail(err)
	}
	return k, nil
}

// kafkaPorts returns the client then controller ports of every node:
// cfg's, checked free, or free ones.
func kafkaPorts(cfg KafkaConfig) ([][2]int, error) {
	n := cfg.Brokers
	free, err := FreePorts(2 * n)
	if err != nil {
		return nil, err
	}
	out := make([][2]int, n)
	for i := range out {
		out[i] = [2]int{free[2*i], free[2*i+1]}
		if cfg.Ports != nil {
			out[i][0] = cfg.Ports[i]
		}
		if cfg.ControllerPorts != nil {
			out[i][1] = cfg.ControllerPorts[i]
		}
		for _, p := range out[i] {
			if err := CheckPortFree(p); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// newClusterID returns a random Kafka cluster id: a UUID in URL-safe
// base64 without padding, not starting with '-' (as Uuid.randomUuid).
func newClusterID() (string, error) {
	for {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		if id := base64.RawURLEncoding.EncodeToString(b[:]); id[0] != '-' {
			return id, nil
		}
	}
}

// start formats every node's storage, starts every node, and waits until
// each is ready and sees the whole cluster.
func (k *Kafka) start(ctx context.Context) error {
	t0 := time.Now()
	errs := make([]error, len(k.brokers))
	var wg sync.WaitGroup
	for i, b := range k.brokers {
		wg.Go(func() { errs[i] = b.format(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	k.cfg.Logger.Info("realstack: kafka storage formatted", "nodes", len(k.brokers), "took", time.Since(t0))
	t1 := time.Now()
	for _, b := range k.brokers { // all at once: a quorum needs a majority of them
		if err := b.launch(); err != nil {
			return err
		}
	}
	for i, b := range k.brokers {
		wg.Go(func() { errs[i] = b.waitReady(ctx, len(k.brokers)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	k.cfg.Logger.Info("realstack: kafka ready", "nodes", len(k.brokers), "took", time.Since(t1), "addrs", k.Addrs())
	return nil
}

// Addrs returns the client addresses ("127.0.0.1:port") of every node,
// running or not, in node order.
func (k *Kafka) Addrs() []string {
	out := make([]string, len(k.brokers))
	for i, b := range k.brokers {
		out[i] = b.Addr()
	}
	return out
}

// Broker returns node i (0-based; its node.id is i+1). It panics when i is
// out of range, like a slice index.
func (k *Kafka) Broker(i int) *Broker { return k.brokers[i] }

// Brokers returns the number of nodes.
func (k *Kafka) Brokers() int { return len(k.brokers) }

// Dir returns the run directory.
func (k *Kafka) Dir() string { return k.dir }

// ClusterID returns the KRaft cluster id the storage was formatted with.
func (k *Kafka) ClusterID() string { return k.clusterID }

// Version returns the Kafka release running.
func (k *Kafka) Version() string { return k.cfg.Version }

// Classpath returns the brokers' classpath (to run Kafka's own tools).
func (k *Kafka) Classpath() string { return k.classpath }

// SaramaConfig returns a new sarama configuration fit for this cluster:
// Version KafkaSaramaVersion, client id "realstack", everything else
// sarama's defaults.
func (k *Kafka) SaramaConfig() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = KafkaSaramaVersion
	c.ClientID = "realstack"
	return c
}

// Close kills every node (SIGKILL: the cluster is being thrown away, and a
// clean shutdown of a 3-node cluster takes 5-15 s here; call StopAll first
// for one) and removes the run directory if NewKafka created it. It is
// idempotent and safe to call on a partly started cluster.
func (k *Kafka) Close() error {
	k.closeOnce.Do(func() {
		errs := make([]error, len(k.brokers))
		var wg sync.WaitGroup
		for i, b := range k.brokers {
			wg.Go(func() { errs[i] = b.Kill() })
		}
		wg.Wait()
		k.closeErr = errors.Join(errs...)
		if k.ownDir {
			if err := os.RemoveAll(k.dir); err != nil {
				k.closeErr = errors.Join(k.closeErr, err)
			}
		}
	})
	return k.closeErr
}

// StopAll stops every running node at once and waits for them (bounded by
// StopGrace, then SIGKILL; ctx ending skips to SIGKILL). The run directory
// is kept: nodes can be started again with Broker(i).Start.
func (k *Kafka) StopAll(ctx context.Context) error {
	errs := make([]error, len(k.brokers))
	var wg sync.WaitGroup
	for i, b := range k.brokers {
		wg.Go(func() { errs[i] = b.Stop(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// LogPaths returns the log file of every node, in node order.
func (k *Kafka) LogPaths() []string {
	out := make([]string, len(k.brokers))
	for i, b := range k.brokers {
		out[i] = b.LogPath()
	}
	return out
}

// layout writes the run directory: one directory per node with its
// server.properties and data directory, and the shared log4j2 config.
func (k *Kafka) layout(ports [][2]int) error {
	if err := os.WriteFile(filepath.Join(k.dir, "log4j2.properties"), []byte(kafkaLog4j), 0o644); err != nil {
		return fmt.Errorf("realstack: %w", err)
	}
	voters := make([]string, len(ports))
	for i, p := range ports {
		voters[i] = fmt.Sprintf("%d@127.0.0.1:%d", i+1, p[1])
	}
	for i, p := range ports {
		b := &Broker{k: k, id: int32(i + 1), port: p[0], controllerPort: p[1], dir: filepath.Join(k.dir, fmt.Sprintf("node-%d", i+1))}
		if err := os.MkdirAll(filepath.Join(b.dir, "data"), 0o755); err != nil {
			return fmt.Errorf("realstack: %w", err)
		}
		props := serverProperties(k.cfg, b, strings.Join(voters, ","), len(ports))
		if err := os.WriteFile(b.propsPath(), []byte(props), 0o644); err != nil {
			return fmt.Errorf("realstack: %w", err)
		}
		k.brokers = append(k.brokers, b)
	}
	return nil
}

// kafkaLog4j logs INFO and above to stdout (the node's log file).
const kafkaLog4j = `status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
`
