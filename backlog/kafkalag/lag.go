package kafkalag

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/IBM/sarama"

	"github.com/flinkscale/flinkscale/backlog"
)

// SourceName is the Source of every Snapshot and Partition a Lag reports.
const SourceName = "kafka"

// Lag reads consumer groups' backlog from Kafka. It is safe for concurrent
// use: evaluations may run at the same time (each sends its own requests)
// and Close may be called from any goroutine.
type Lag struct {
	cfg       Config
	client    sarama.Client
	ownClient bool
	busy      busy // requests in flight per broker

	mu     sync.Mutex
	closed bool
	cursor int // round robin position of size sampling
	// answered is, per group, the coordinator that last answered with
	// committed offsets (see offsetFetch).
	answered map[string]int32
}

var _ backlog.Source = (*Lag)(nil)

// New returns a Lag, or an error wrapping ErrInvalidConfig. With
// Config.Brokers it creates a sarama client without connecting yet.
func New(cfg Config) (*Lag, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	l := &Lag{cfg: cfg, client: cfg.Client}
	if l.client == nil {
		c, err := sarama.NewClient(cfg.Brokers, cfg.saramaConfig())
		if err != nil {
			return nil, fmt.Errorf("%w: creating the sarama client: %w", ErrInvalidConfig, err)
		}
		l.client, l.ownClient = c, true
	}
	return l, nil
}

// Close releases the client New created from Config.Brokers; a Client
// passed in Config is left open. Evaluations after Close return ErrClosed;
// evaluations in flight with a client Close closes fail. Close is
// idempotent.
func (l *Lag) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.ownClient {
		return l.client.Close()
	}
	return nil
}

// Groups returns the configured groups' names, in Config order.
func (l *Lag) Groups() []string {
	names := make([]string, len(l.cfg.Groups))
	for i, g := range l.cfg.Groups {
		names[i] = g.Name
	}
	return names
}

// Backlogs measures every configured group in one evaluation and returns
// their snapshots in Config.Groups order. The groups share one metadata
// request and one set of ListOffsets requests: end offsets fetched once
// serve every group reading the same topic. What could not be read is
// reported inside the snapshots (unknown figures, Snapshot.Errors), what
// was not answered within Config.Timeout included (backlog.TimedOut); the
// error is non-nil only when there is no snapshot at all: ctx done (the
// error wraps ctx's error), metadata unreadable from every broker tried,
// nothing read within Config.Timeout (no Metadata answer, or, with topics
// discovered from the commits, no OffsetFetch answer; the error wraps
// context.DeadlineExceeded), or ErrClosed.
func (l *Lag) Backlogs(ctx context.Context) ([]backlog.Snapshot, error) {
	return l.evaluate(ctx, l.cfg.Groups)
}

// Backlog implements backlog.Source for a Lag with exactly one group; with
// several it returns ErrNotSingleGroup (use Backlogs or Group).
func (l *Lag) Backlog(ctx context.Context) (backlog.Snapshot, error) {
	if n := len(l.cfg.Groups); n != 1 {
		return backlog.Snapshot{}, fmt.Errorf("%w (it has %d)", ErrNotSingleGroup, n)
	}
	snaps, err := l.evaluate(ctx, l.cfg.Groups)
	if err != nil {
		return backlog.Snapshot{}, err
	}
	return snaps[0], nil
}

// Group returns a backlog.Source for one configured group: each Backlog
// call evaluates that group alone, with the same request pattern as
// Backlogs. For a name not in Config.Groups, Backlog returns an error
// wrapping ErrUnknownGroup. Safe for concurrent use.
func (l *Lag) Group(name string) backlog.Source {
	i := slices.IndexFunc(l.cfg.Groups, func(g Group) bool { return g.Name == name })
	return backlog.SourceFunc(func(ctx context.Context) (backlog.Snapshot, error) {
		if i < 0 {
			return backlog.Snapshot{}, fmt.Errorf("%w: %q", ErrUnknownGroup, name)
		}
		snaps, err := l.evaluate(ctx, l.cfg.Groups[i:i+1])
		if err != nil {
			return backlog.Snapshot{}, err
		}
		return snaps[0], nil
	})
}

func (l *Lag) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}
