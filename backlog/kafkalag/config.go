package kafkalag

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
	"github.com/flinkscale/flinkscale/clock"
)

// Defaults of Config.
const (
	// DefaultTimeout bounds one evaluation.
	DefaultTimeout = 10 * time.Second
	// DefaultRetries is how often an OffsetFetch is retried on a
	// coordinator error or a broken connection.
	DefaultRetries = 3
	// DefaultRetryBackoff is the wait before such a retry.
	DefaultRetryBackoff = 100 * time.Millisecond
	// DefaultSampleBytes is how many bytes one sampled partition may fetch.
	DefaultSampleBytes = 64 << 10
	// DefaultClientID is the client.id of the client New creates.
	DefaultClientID = "flinkscale-kafkalag"
)

// minVersion is the oldest Kafka protocol version supported: OffsetFetch
// must be able to fetch all of a group's offsets and ListOffsets must answer
// a single offset per partition.
func minVersion() sarama.KafkaVersion { return sarama.V0_11_0_0 }

// ErrInvalidConfig is wrapped by every error about a bad Config. It wraps
// backlog.ErrInvalidConfig, which wraps flinkscale.ErrInvalidConfig, so
// errors.Is matches all three.
var ErrInvalidConfig = fmt.Errorf("kafkalag: %w", backlog.ErrInvalidConfig)

// ErrClosed is returned by evaluations after Close.
var ErrClosed = errors.New("kafkalag: closed")

// ErrUnknownGroup is returned by the Source of Group for a name that is not
// in Config.Groups.
var ErrUnknownGroup = errors.New("kafkalag: unknown group")

// ErrNotSingleGroup is returned by Backlog on a Lag configured with more
// than one group: use Backlogs (every group, sharing end offsets) or
// Group(name).
var ErrNotSingleGroup = errors.New("kafkalag: Backlog needs a Lag with exactly one group; use Backlogs or Group(name)")

// Group is a consumer group to measure. It is a plain value: New copies
// it.
type Group struct {
	// Name is the group id. Required.
	Name string
	// Topics the group reads. Default: the topics the group has committed
	// offsets for, discovered on every evaluation.
	Topics []string
	// Reset is the group's auto.offset.reset, used for partitions it has
	// committed nothing for. Default: backlog.ResetLatest (Kafka's default).
	Reset backlog.ResetPolicy
}

// Config configures a Lag. Zero fields mean the documented defaults.
// Exactly one of Client and Brokers must be set. New copies the Config;
// the Client, Tracker and Logger it points to are shared, and are safe for
// concurrent use.
type Config struct {
	// Client is an existing sarama client to use. Close does not close it.
	// Its Config().Version must be at least sarama.V0_11_0_0.
	Client sarama.Client
	// Brokers are bootstrap addresses ("host:9092"); New then creates a
	// client that Close closes. It connects on the first evaluation.
	Brokers []string
	// Sarama configures the client New creates from Brokers: TLS, SASL,
	// Net timeouts (which bound every request). Only with Brokers. New
	// copies it and sets Metadata.Full to false on the copy, so the client
	// only asks about the topics measured and New does no I/O; the caller's
	// value is not modified. Its Version must be at least
	// sarama.V0_11_0_0. Default: sarama.NewConfig() with Version
	// sarama.V2_8_0_0 and ClientID DefaultClientID. Process-wide sarama
	// settings (sarama.Logger, metrics) are never changed.
	Sarama *sarama.Config
	// Groups to measure. Required, names unique.
	Groups []Group
	// Tracker turns offsets into backlog and keeps each partition's
	// end-offset history (for time lag) across evaluations. Share one with
	// readers that feed it record sizes. Default: a Tracker of its own with
	// backlog.TrackerConfig defaults.
	Tracker *backlog.Tracker
	// Timeout bounds one evaluation, on top of the caller's ctx and the
	// client's Net timeouts. When it passes, the evaluation returns what it
	// read, the rest unknown (backlog.TimedOut). Default: DefaultTimeout
	// (10s).
	Timeout time.Duration
	// Retries is how often an OffsetFetch is retried after a coordinator
	// error (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
	// COORDINATOR_LOAD_IN_PROGRESS) or a broken connection. Default:
	// DefaultRetries (3).
	Retries int
	// RetryBackoff is the wait before each of those retries. Default:
	// DefaultRetryBackoff (100ms).
	RetryBackoff time.Duration
	// SampleSizes, when positive, samples the record size of up to that
	// many partitions per evaluation (round robin over all partitions), by
	// fetching the last few records before the end offset, one Fetch
	// request per leader broker, and feeds them to Tracker.ObserveSize.
	// Bytes stay unknown (backlog.NoRecordSize) until a partition's size is
	// known. Default: 0, off.
	SampleSizes int
	// Liveness, when set, also sends one DescribeGroups request per group
	// per evaluation (to its coordinator, after the OffsetFetch) and marks
	// the partitions a member of a Stable consumer group holds as
	// backlog.Partition.Live, so that backlog.Health tells a live consumer
	// re-committing an offset it cannot move past (STALL) from one that
	// stopped committing (STOP): Kafka's OffsetFetch answer carries no
	// commit time. A group with no members (a Flink job's KafkaSource, which
	// uses no group membership, or a consumer that is gone) holds nothing.
	// Default: false (1 + g + 2b requests per evaluation; with it,
	// 1 + 2g + 2b).
	Liveness bool
	// SampleBytes caps the bytes one sampled partition may return.
	// Default: DefaultSampleBytes (64 KiB).
	SampleBytes int32
	// Clock tells the time each evaluation is stamped with (the snapshots'
	// Time and the Tracker's end-offset history); only its Now is used.
	// Waits on Kafka (Timeout, RetryBackoff) are in real time. Default:
	// the system clock.
	Clock clock.Clock
	// Logger receives debug logs of retries and warnings of failures.
	// Default: nil, logs are discarded.
	Logger *slog.Logger
	// OnEvaluation, if set, is called once after every evaluation (each
	// Backlog, Backlogs, or Group source's Backlog call), from the
	// goroutine that made it, with the groups evaluated, the requests sent,
	// the wall time taken and the error returned; package metrics turns it
	// into Prometheus metrics. It must be fast and safe for concurrent use.
	// Default: none.
	OnEvaluation func(Evaluation)
}

// Validate reports whether the Config is usable, wrapping ErrInvalidConfig
// if not.
func (c Config) Validate() error {
	if err := c.validateClient(); err != nil {
		return err
	}
	if err := validateGroups(c.Groups); err != nil {
		return err
	}
	switch {
	case c.Timeout < 0:
		return invalid("Timeout is negative (%v)", c.Timeout)
	case c.Retries < 0:
		return invalid("Retries is negative (%d)", c.Retries)
	case c.RetryBackoff < 0:
		return invalid("RetryBackoff is negative (%v)", c.RetryBackoff)
	case c.SampleSizes < 0:
		return invalid("SampleSizes is negative (%d)", c.SampleSizes)
	case c.SampleBytes < 0:
		return invalid("SampleBytes is negative (%d)", c.SampleBytes)
	}
	return nil
}

func (c Config) validateClient() error {
	switch {
	case c.Client == nil && len(c.Brokers) == 0:
		return invalid("set Client or Brokers")
	case c.Client != nil && len(c.Brokers) > 0:
		return invalid("set Client or Brokers, not both")
	case c.Client != nil && c.Sarama != nil:
		return invalid("Sarama configures the client built from Brokers; configure Client itself instead")
	case c.Client != nil && c.Client.Closed():
		return invalid("Client is closed")
	case c.Client != nil:
		return checkVersion(c.Client.Config())
	case slices.Contains(c.Brokers, ""):
		return invalid("empty broker address in Brokers")
	case c.Sarama != nil:
		if err := checkVersion(c.Sarama); err != nil {
			return err
		}
		if err := c.Sarama.Validate(); err != nil {
			return invalid("Sarama: %v", err)
		}
	}
	return nil
}

func checkVersion(sc *sarama.Config) error {
	if sc == nil {
		return invalid("client has no config")
	}
	if !sc.Version.IsAtLeast(minVersion()) {
		return invalid("Kafka version %v is below the minimum %v", sc.Version, minVersion())
	}
	return nil
}

func validateGroups(groups []Group) error {
	if len(groups) == 0 {
		return invalid("Groups is empty")
	}
	seen := make(map[string]bool, len(groups))
	for i, g := range groups {
		switch {
		case g.Name == "":
			return invalid("Groups[%d] has no Name", i)
		case seen[g.Name]:
			return invalid("group %q listed twice", g.Name)
		case g.Reset != backlog.ResetLatest && g.Reset != backlog.ResetEarliest:
			return invalid("group %q: unknown Reset policy %d", g.Name, g.Reset)
		case slices.Contains(g.Topics, ""):
			return invalid("group %q: empty topic name", g.Name)
		}
		seen[g.Name] = true
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}

// saramaConfig is the configuration of the client New creates.
func (c Config) saramaConfig() *sarama.Config {
	var sc *sarama.Config
	if c.Sarama != nil {
		cp := *c.Sarama
		sc = &cp
	} else {
		sc = sarama.NewConfig()
		sc.Version = sarama.V2_8_0_0
		sc.ClientID = DefaultClientID
	}
	sc.Metadata.Full = false
	return sc
}

// withDefaults fills zero fields; c is valid.
func (c Config) withDefaults() (Config, error) {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.SampleBytes == 0 {
		c.SampleBytes = DefaultSampleBytes
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Tracker == nil {
		t, err := backlog.NewTracker(backlog.TrackerConfig{})
		if err != nil {
			return c, err
		}
		c.Tracker = t
	}
	groups := make([]Group, len(c.Groups))
	for i, g := range c.Groups {
		g.Topics = slices.Compact(slices.Sorted(slices.Values(g.Topics)))
		groups[i] = g
	}
	c.Groups = groups
	return c, nil
}
