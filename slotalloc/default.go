package slotalloc

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// DefaultWeightSlack is DefaultConfig.WeightSlack's default.
const DefaultWeightSlack = 0.05

// DefaultConfig configures Default. The zero value means the defaults. It
// is a plain value.
type DefaultConfig struct {
	// WeightSlack is how far a TaskManager's weight may exceed its fair
	// share (the total weight times the TaskManager's share of the
	// subtasks), as a fraction of that share, before Default swaps
	// subtasks for weight. Swaps that keep the moves as they are happen
	// beyond WeightSlack; swaps that add moves only beyond WeightSlack
	// plus the largest subtask weight (the bound greedy placement
	// guarantees), so small imbalances never cost moves. math.Inf(1)
	// turns weight swaps off. Default: 0.05. Zero means default.
	WeightSlack float64
}

// Validate returns an error wrapping ErrInvalidConfig when a field is
// negative or NaN.
func (c DefaultConfig) Validate() error {
	if c.WeightSlack < 0 || math.IsNaN(c.WeightSlack) {
		return fmt.Errorf("%w: WeightSlack is %v", ErrInvalidConfig, c.WeightSlack)
	}
	return nil
}

// Default is this package's allocator: balanced by task count, then by
// weight, and sticky. See the package documentation for its definition of
// balance and its guarantees. The zero value uses the defaults. It is
// immutable, deterministic, and safe for concurrent use.
type Default struct {
	cfg DefaultConfig
}

// NewDefault returns a Default, or an error wrapping ErrInvalidConfig.
func NewDefault(cfg DefaultConfig) (*Default, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.WeightSlack == 0 {
		cfg.WeightSlack = DefaultWeightSlack
	}
	return &Default{cfg: cfg}, nil
}

// Allocate implements Allocator.
func (d *Default) Allocate(req Request) (Plan, error) {
	in, err := newInstance(req, true)
	if err != nil {
		return Plan{}, err
	}
	slack := d.cfg.WeightSlack
	if slack == 0 {
		slack = DefaultWeightSlack
	}
	ded := dedicate(in)
	st := newState(in, &ded)
	cands, candOff := st.byPrevious()
	st.setTargets(candOff)
	st.keep(cands, candOff)
	st.fill(st.pool())
	st.balanceWeight(slack)
	return in.plan(ded.assignSlots(in, st.tm)), nil
}

// state is Default's work in progress.
type state struct {
	in      *instance
	d       *dedication
	nv      int
	tm      []int32   // per subtask: its TaskManager, -1 while unplaced
	per     []int32   // per TaskManager x vertex: subtasks placed
	count   []int32   // per TaskManager: subtasks placed
	weight  []float64 // per TaskManager: weight placed
	home    []int32   // per TaskManager x vertex: placed where they were before
	base    []int32   // per TaskManager: subtasks it may hold (the level)
	grant   []bool    // per TaskManager: holds one more than base
	canGrow []bool    // per TaskManager: has capacity for one more than base
	budget  int       // grants still to hand out
	avg     float64   // mean weight per subtask

	meanW     []float64 // per vertex: mean subtask weight, once needed
	meanOrder []int32   // vertices by meanW, once needed

	homes []int32 // per TaskManager: subtasks placed where they were before

	hFits []bool                     // balanceWeight's scratch: slotsFor
	lists [swapPartners]partnerLists // balanceWeight's scratch: partners
}

func newState(in *instance, d *dedication) *state {
	n, nv := in.tms(), len(in.req.Vertices)
	st := &state{
		in: in, d: d, nv: nv,
		tm:      make([]int32, in.tasks()),
		per:     make([]int32, n*nv),
		count:   make([]int32, n),
		weight:  make([]float64, n),
		home:    make([]int32, n*nv),
		homes:   make([]int32, n),
		base:    make([]int32, n),
		grant:   make([]bool, n),
		canGrow: make([]bool, n),
	}
	total := 0.0
	for s := range st.tm {
		st.tm[s] = -1
		total += in.w[s]
	}
	if len(st.tm) > 0 {
		st.avg = total / float64(len(st.tm))
	}
	return st
}

// place puts subtask s on TaskManager t.
func (st *state) place(s int32, t int32) {
	st.tm[s] = t
	i := int(t)*st.nv + int(st.in.vtx[s])
	st.per[i]++
	if st.in.prev[s] == t {
		st.home[i]++
		st.homes[t]++
	}
	st.count[t]++
	st.weight[t] += st.in.w[s]
}

// unplace takes subtask s off its TaskManager.
func (st *state) unplace(s int32) {
	t := st.tm[s]
	st.tm[s] = -1
	i := int(t)*st.nv + int(st.in.vtx[s])
	st.per[i]--
	if st.in.prev[s] == t {
		st.home[i]--
		st.homes[t]--
	}
	st.count[t]--
	st.weight[t] -= st.in.w[s]
}

// fits reports whether TaskManager t has a slot free for one more subtask
// of s's vertex.
func (st *state) fits(s int32, t int32) bool {
	v := st.in.vtx[s]
	return st.per[int(t)*st.nv+int(v)] < st.d.cap(int(t), st.in.vgroup[v])
}

// capacity returns, per TaskManager, the most subtasks it can run: the sum
// over vertices of min(parallelism, the slots of the vertex's group).
func (st *state) capacity() []int {
	c := make([]int, st.in.tms())
	for t := range c {
		for v, vx := range st.in.req.Vertices {
			c[t] += min(vx.Parallelism, int(st.d.cap(t, st.in.vgroup[v])))
		}
	}
	return c
}

// setTargets sets each TaskManager's task-count level by water-filling:
// the largest level L with sum(min(capacity, L)) <= tasks; the subtasks
// left over become grants of one more than L, one per TaskManager with
// capacity for it. Without slot constraints L = floor(tasks /
// TaskManagers). Grants go first to the TaskManagers keeping the most
// subtasks above L (so the fewest must move, as the move lower bound
// assumes), the rest to whichever TaskManager the fill reaches first;
// augment can pass a grant on.
func (st *state) setTargets(candOff []int) {
	capT := st.capacity()
	level := waterLevel(capT, st.in.tasks())
	extra := st.in.tasks()
	var keepers []int
	for t, c := range capT {
		st.base[t] = int32(min(c, level))
		st.canGrow[t] = c > level
		extra -= int(st.base[t])
		if st.canGrow[t] && candOff[t+1]-candOff[t] > level {
			keepers = append(keepers, t)
		}
	}
	slices.SortStableFunc(keepers, func(a, b int) int {
		return cmp.Compare(candOff[b+1]-candOff[b], candOff[a+1]-candOff[a])
	})
	for _, t := range keepers[:min(extra, len(keepers))] {
		st.grant[t] = true
		extra--
	}
	st.budget = extra
}

// waterLevel returns the largest L with sum(min(c, L)) <= total.
func waterLevel(capT []int, total int) int {
	lo, hi := 0, slices.Max(capT)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		sum := 0
		for _, c := range capT {
			sum += min(c, mid)
		}
		if sum <= total {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// limit returns the most subtasks t may hold now.
func (st *state) limit(t int32) int32 {
	if st.grant[t] {
		return st.base[t] + 1
	}
	return st.base[t]
}

// hasRoom reports whether TaskManager t may take one more subtask.
func (st *state) hasRoom(t int32) bool {
	return st.count[t] < st.limit(t) || (!st.grant[t] && st.canGrow[t] && st.budget > 0)
}

// take accounts for one subtask about to be placed on t, granting it one
// above its level from the budget when it is at its limit.
func (st *state) take(t int32) {
	if st.count[t] >= st.limit(t) {
		st.grant[t] = true
		st.budget--
	}
}
