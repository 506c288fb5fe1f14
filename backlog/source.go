package backlog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/flinkscale/flinkscale"
	"github.com/flinkscale/flinkscale/clock"
)

// Source measures a consumer group's backlog. Backlog takes ctx first and
// returns promptly when it is cancelled. A Source reports what it could not
// read inside the Snapshot (unknown figures, Errors) and returns an error
// only when it has no snapshot at all.
type Source interface {
	Backlog(ctx context.Context) (Snapshot, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context) (Snapshot, error)

// Backlog calls f.
func (f SourceFunc) Backlog(ctx context.Context) (Snapshot, error) { return f(ctx) }

var _ Source = SourceFunc(nil)

// ErrInvalidConfig is wrapped by every error about a bad configuration. It
// wraps flinkscale.ErrInvalidConfig, so errors.Is holds for both; the
// adapters' sentinels (kafkalag.ErrInvalidConfig,
// flinkbacklog.ErrInvalidConfig) wrap this one.
var ErrInvalidConfig = fmt.Errorf("backlog: %w", flinkscale.ErrInvalidConfig)

// ErrNoBacklog is wrapped by the error of a combinator none of whose
// sources produced a usable snapshot.
var ErrNoBacklog = errors.New("backlog: no source produced a usable snapshot")

// CombineConfig configures Fallback and Merge.
type CombineConfig struct {
	// MaxAge is how old a snapshot may be before it is stale and skipped.
	// Default: 1 minute.
	MaxAge time.Duration
	// Clock tells the time a snapshot's age is measured at; only its Now
	// is used. Default: the system clock.
	Clock clock.Clock
}

// Validate reports whether the Config is usable, wrapping
// ErrInvalidConfig when it is not.
func (c CombineConfig) Validate() error {
	if c.MaxAge < 0 {
		return fmt.Errorf("%w: MaxAge is negative (%v)", ErrInvalidConfig, c.MaxAge)
	}
	return nil
}

func (c CombineConfig) withDefaults() (CombineConfig, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	if c.MaxAge == 0 {
		c.MaxAge = time.Minute
	}
	c.Clock = clock.Or(c.Clock)
	return c, nil
}

// Named gives a Source a name for combinators' notes and for
// Snapshot.Source when the source leaves it empty.
func Named(name string, s Source) Source { return named{name, s} }

type named struct {
	name string
	Source
}

func sourceName(s Source, i int) string {
	if n, ok := s.(named); ok {
		return n.name
	}
	return fmt.Sprintf("source %d", i)
}

// ask calls s and checks the snapshot is there and fresh.
func ask(ctx context.Context, s Source, i int, cfg CombineConfig) (Snapshot, error) {
	name := sourceName(s, i)
	snap, err := s.Backlog(ctx)
	if err != nil {
		return Snapshot{}, fmt.Errorf("%s: %w", name, err)
	}
	if snap.Source == "" {
		snap.Source = name
	}
	if age := cfg.Clock.Now().Sub(snap.Time); age > cfg.MaxAge {
		return Snapshot{}, fmt.Errorf("%s: stale: measured %v ago (max %v)", name, age.Round(time.Millisecond), cfg.MaxAge)
	}
	return snap, nil
}

// Fallback returns a Source that asks sources in order and answers with the
// first snapshot that is fresh and whose record total is known, for example
// Flink's own metrics first and Kafka second. When none is complete, it
// answers with the first fresh snapshot it got, partly unknown; when none
// answered at all, an error wrapping ErrNoBacklog. Snapshot.Notes say why
// each earlier source was passed over. Sources after the chosen one are not
// asked.
func Fallback(cfg CombineConfig, sources ...Source) (Source, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("%w: Fallback needs at least one source", ErrInvalidConfig)
	}
	return SourceFunc(func(ctx context.Context) (Snapshot, error) {
		var notes []string
		var partial *Snapshot
		var errs []error
		for i, s := range sources {
			snap, err := ask(ctx, s, i, cfg)
			if err != nil {
				if ctx.Err() != nil {
					return Snapshot{}, ctx.Err()
				}
				errs = append(errs, err)
				notes = append(notes, "skipped "+err.Error())
				continue
			}
			t := snap.Totals()
			if t.Records.Known() {
				snap.Notes = append(notes, snap.Notes...)
				return snap, nil
			}
			notes = append(notes, fmt.Sprintf("skipped %s: records %s", snap.Source, t.Records))
			if partial == nil {
				partial = &snap
			}
		}
		if partial != nil {
			partial.Notes = append(notes, partial.Notes...)
			return *partial, nil
		}
		return Snapshot{}, fmt.Errorf("%w: %w", ErrNoBacklog, errors.Join(errs...))
	}), nil
}

// Merge returns a Source that asks every source and combines their
// snapshots entry by entry: for each key and each figure (records, bytes,
// time lag, offsets) the first source, in order, that knows it supplies it.
// Partition.Source names the source of the Records figure. A source that
// fails or is stale is skipped with a note; when all do, the error wraps
// ErrNoBacklog. The merged snapshot's Time is the oldest of those used.
func Merge(cfg CombineConfig, sources ...Source) (Source, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("%w: Merge needs at least one source", ErrInvalidConfig)
	}
	return SourceFunc(func(ctx context.Context) (Snapshot, error) {
		var used []Snapshot
		var notes []string
		var errs []error
		for i, s := range sources {
			snap, err := ask(ctx, s, i, cfg)
			if err != nil {
				if ctx.Err() != nil {
					return Snapshot{}, ctx.Err()
				}
				errs = append(errs, err)
				notes = append(notes, "skipped "+err.Error())
				continue
			}
			used = append(used, snap)
		}
		if len(used) == 0 {
			return Snapshot{}, fmt.Errorf("%w: %w", ErrNoBacklog, errors.Join(errs...))
		}
		out := mergeSnapshots(used)
		out.Notes = append(notes, out.Notes...)
		return out, nil
	}), nil
}

func mergeSnapshots(snaps []Snapshot) Snapshot {
	names := make([]string, len(snaps))
	out := Snapshot{Time: snaps[0].Time, Group: snaps[0].Group}
	byKey := map[Key]int{}
	for i, s := range snaps {
		names[i] = s.Source
		if s.Time.Before(out.Time) {
			out.Time = s.Time
		}
		if out.Group == "" {
			out.Group = s.Group
		}
		out.Errors = append(out.Errors, s.Errors...)
		out.Notes = append(out.Notes, s.Notes...)
		for _, p := range s.Partitions {
			if p.Source == "" {
				p.Source = s.Source
			}
			j, seen := byKey[p.Key]
			if !seen {
				byKey[p.Key] = len(out.Partitions)
				out.Partitions = append(out.Partitions, p)
				continue
			}
			out.Partitions[j] = fillUnknown(out.Partitions[j], p)
		}
	}
	out.Source = "merge(" + strings.Join(names, ",") + ")"
	out.Sort()
	return out
}

// fillUnknown completes a's unknown figures from b.
func fillUnknown(a, b Partition) Partition {
	if !a.Records.Known() && b.Records.Known() {
		a.Records, a.NoCommit, a.Source = b.Records, b.NoCommit, b.Source
	}
	if !a.Bytes.Known() && b.Bytes.Known() {
		a.Bytes = b.Bytes
	}
	if !a.TimeLag.Known() && b.TimeLag.Known() {
		a.TimeLag = b.TimeLag
	}
	for _, f := range []struct{ dst, src *Figure[int64] }{
		{&a.Offsets.LogStart, &b.Offsets.LogStart}, {&a.Offsets.End, &b.Offsets.End}, {&a.Offsets.Committed, &b.Offsets.Committed},
	} {
		if !f.dst.Known() && f.src.Known() {
			*f.dst = *f.src
		}
	}
	return a
}
