package autoscale

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/flinkscale/flinkscale"
)

// Errors.
var (
	// ErrInvalidConfig is wrapped by every error about a bad Config. It
	// wraps flinkscale.ErrInvalidConfig, so errors.Is holds for both; the
	// adapters' sentinels (flinkio.ErrInvalidConfig, ...) wrap the root
	// one.
	ErrInvalidConfig = fmt.Errorf("autoscale: %w", flinkscale.ErrInvalidConfig)
	// ErrInvalidObservation is wrapped by Observation.Validate's errors.
	ErrInvalidObservation = errors.New("autoscale: invalid observation")
)

// Policy decides a job's parallelism. Decide is called with the time and
// the latest observation; a policy may keep state across calls (a window of
// metrics, a pending scale-down) but must decide the same for the same
// sequence of calls. A policy never acts on a missing figure (nor on a
// negative one, which counts as missing): a vertex whose figures are
// missing keeps its parallelism, and its reason says so.
type Policy interface {
	Decide(now time.Time, obs Observation) (Decision, error)
}

// PolicyFunc adapts a function to Policy.
type PolicyFunc func(now time.Time, obs Observation) (Decision, error)

// Decide calls f.
func (f PolicyFunc) Decide(now time.Time, obs Observation) (Decision, error) { return f(now, obs) }

var _ Policy = PolicyFunc(nil)

// Decision is a policy's answer: a target parallelism and a reason for
// every vertex, including why nothing changes.
type Decision struct {
	// Time is when the decision was made.
	Time time.Time
	// Targets holds every vertex's target parallelism.
	Targets map[string]int
	// Reasons holds, per vertex, why its target is what it is.
	Reasons map[string]string
	// Summary explains the decision as a whole in one line.
	Summary string
	// Unsized holds, per vertex the policy could not size, why: a figure
	// is missing, its demand is unknown, or its capacity has not been
	// measured yet. Such a vertex keeps its parallelism unless the job must
	// rescale for another; a program shows these before saying the job
	// keeps up. Nil when every vertex was sized.
	Unsized map[string]string
	// Capacity holds, per vertex, the records per second the policy
	// estimates the vertex processes at its current parallelism when fully
	// busy (Default's measured capacity, OperatorCompatible's true
	// processing rate): a missing Value, with the reason, when it has not
	// been measured. Nil when the policy estimates none.
	Capacity map[string]Value
	// Slots is the number of slots the targets need: per slot-sharing group
	// the largest target, summed over groups.
	Slots int
	// TaskManagers is how many TaskManagers those slots take, when the
	// observation knew the slots per TaskManager (else 0).
	TaskManagers int
}

// Keep returns a decision that keeps every vertex at its parallelism, with
// reason for each.
func Keep(now time.Time, obs Observation, reason string) Decision {
	d := Decision{Time: now, Targets: map[string]int{}, Reasons: map[string]string{}, Summary: reason}
	for _, v := range obs.Vertices {
		d.Targets[v.ID] = v.Parallelism
		d.Reasons[v.ID] = reason
	}
	d.Size(obs)
	return d
}

// Size fills Slots and TaskManagers from the targets.
func (d *Decision) Size(obs Observation) {
	groups := map[string]int{}
	for _, v := range obs.Vertices {
		t, ok := d.Targets[v.ID]
		if !ok {
			t = v.Parallelism
		}
		groups[v.SlotSharingGroup] = max(groups[v.SlotSharingGroup], t)
	}
	d.Slots = 0
	for _, n := range groups {
		d.Slots += n
	}
	d.TaskManagers = 0
	if spt := obs.Resources.SlotsPerTaskManager; spt > 0 {
		d.TaskManagers = (d.Slots + spt - 1) / spt
	}
}

// Changes returns the vertices whose target differs from their
// parallelism in obs, sorted.
func (d Decision) Changes(obs Observation) []string {
	var out []string
	for _, v := range obs.Vertices {
		if t, ok := d.Targets[v.ID]; ok && t != v.Parallelism {
			out = append(out, v.ID)
		}
	}
	slices.Sort(out)
	return out
}

// Scales reports whether the decision changes any parallelism.
func (d Decision) Scales(obs Observation) bool { return len(d.Changes(obs)) > 0 }

// String renders the decision for logs: summary, then each vertex.
func (d Decision) String() string {
	var b strings.Builder
	b.WriteString(d.Summary)
	for _, id := range slices.Sorted(maps.Keys(d.Targets)) {
		fmt.Fprintf(&b, "; %s=%d (%s)", id, d.Targets[id], d.Reasons[id])
	}
	return b.String()
}

// Static is a Policy that holds the parallelism fixed: at Targets for the
// vertices it names (clamped to 1 and the vertex's max parallelism), at
// the current parallelism for the others. Static at the peak's parallelism
// is the baseline "provision for the peak".
type Static struct {
	// Targets per vertex ID. Empty means keep every current parallelism.
	Targets map[string]int
}

var _ Policy = Static{}

// Decide implements Policy.
func (s Static) Decide(now time.Time, obs Observation) (Decision, error) {
	if err := obs.Validate(); err != nil {
		return Decision{}, err
	}
	d := Keep(now, obs, "static: parallelism fixed")
	for _, v := range obs.Vertices {
		t, ok := s.Targets[v.ID]
		if !ok || t < 1 {
			continue
		}
		if v.MaxParallelism > 0 {
			t = min(t, v.MaxParallelism)
		}
		d.Targets[v.ID] = t
		d.Reasons[v.ID] = fmt.Sprintf("static: fixed at %d", t)
	}
	d.Size(obs)
	return d, nil
}
