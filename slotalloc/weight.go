package slotalloc

import (
	"cmp"
	"math"
	"slices"
)

// swapsPerTaskManager bounds balanceWeight's swaps: at most this many per
// TaskManager.
const swapsPerTaskManager = 16

// balanceWeight is the last step of Default. A TaskManager's fair share
// of weight is its subtasks times the mean subtask weight. While the
// TaskManager furthest above its share exceeds it by more than slack times
// the share, balanceWeight swaps one of its subtasks with a lighter one
// of one of the swapPartners TaskManagers furthest below their share,
// choosing the pair that brings the two closest to their shares. Swaps
// keep every task count, so the count balance holds. Only swaps that add
// no move are made (a subtask going back where it was, or two that moved
// anyway), unless the TaskManager exceeds its share by more than slack
// times the share plus the largest subtask weight: then a swap may cost
// up to two moves, which is where weight balance wins over stickiness.
// It stops when no TaskManager is over, when no allowed swap lowers the
// worst one, or after swapsPerTaskManager swaps per TaskManager.
func (st *state) balanceWeight(slack float64) {
	if st.in.uniform || math.IsInf(slack, 1) || len(st.tm) == 0 {
		return
	}
	wmax := slices.Max(st.in.w)
	worst := func() (int32, float64) {
		best, most := int32(-1), math.Inf(-1)
		for t := range int32(st.in.tms()) {
			if e := st.over(t) - slack*float64(st.count[t])*st.avg; e > most {
				best, most = t, e
			}
		}
		return best, most
	}
	if _, e := worst(); e <= 0 {
		return
	}
	members := st.members()
	for range swapsPerTaskManager * st.in.tms() {
		h, e := worst()
		if e <= 0 || !st.swapFrom(h, members, e > wmax) {
			return
		}
	}
}

// over returns how far t's weight is above its fair share.
func (st *state) over(t int32) float64 {
	return st.weight[t] - float64(st.count[t])*st.avg
}

// member is a subtask in balanceWeight's per-TaskManager lists, with what
// the search reads about it packed together.
type member struct {
	w          float64
	s, v, prev int32
}

func compareMembers(a, b member) int {
	if c := cmp.Compare(a.w, b.w); c != 0 {
		return c
	}
	return cmp.Compare(a.s, b.s)
}

// member returns subtask s as a member.
func (st *state) member(s int32) member {
	return member{w: st.in.w[s], s: s, v: st.in.vtx[s], prev: st.in.prev[s]}
}

// members returns each TaskManager's subtasks, lightest first (ties by
// subtask): one sort, then a stable bucketing.
func (st *state) members() [][]member {
	all := make([]member, len(st.tm))
	for s := range st.tm {
		all[s] = st.member(int32(s))
	}
	slices.SortFunc(all, compareMembers)
	m := make([][]member, st.in.tms())
	for t := range m {
		m[t] = make([]member, 0, st.count[t])
	}
	for _, e := range all {
		t := st.tm[e.s]
		m[t] = append(m[t], e)
	}
	return m
}

// Bounds on the search for one swap: the partners tried and the subtasks
// of the worst TaskManager tried.
const (
	swapPartners = 8
	swapTries    = 128
)

// swapFrom makes the best swap between h and one of the swapPartners
// TaskManagers furthest below their share; false if no allowed swap
// lowers h. A swap that adds no move (see partnerLists) is taken if one
// helps; failing that, if paid, any swap.
func (st *state) swapFrom(h int32, members [][]member, paid bool) bool {
	others := make([]int32, 0, st.in.tms()-1)
	for t := range int32(st.in.tms()) {
		if t != h {
			others = append(others, t)
		}
	}
	slices.SortStableFunc(others, func(a, b int32) int { return cmp.Compare(st.over(a), st.over(b)) })
	others = others[:min(len(others), swapPartners)]
	hFits := st.slotsFor(h)
	for _, free := range [...]bool{true, false} {
		if !free && !paid {
			break
		}
		best := swap{cost: st.over(h), a: -1}
		for i, l := range others {
			if free && st.count[h] == st.homes[h] && st.count[l] == st.homes[l] {
				continue // all at home on both: every swap adds moves
			}
			st.lists[i] = st.partners(h, l, members[l], hFits, free, st.lists[i])
			if c := st.bestPair(h, l, members, st.lists[i], free); c.a >= 0 && c.cost < best.cost {
				best = c
			}
		}
		if best.a >= 0 {
			st.unplace(best.a)
			st.unplace(best.b)
			st.place(best.a, best.l)
			st.place(best.b, h)
			a, b := st.member(best.a), st.member(best.b)
			members[h] = resorted(members[h], a, b)
			members[best.l] = resorted(members[best.l], b, a)
			return true
		}
	}
	return false
}

// swap is a candidate exchange: a from h to l, b from l to h, leaving the
// larger excess of the two over their shares at cost.
type swap struct {
	a, b, l int32
	cost    float64
}

// partnerLists are a partner l's members (sorted by weight) that h has a
// slot for: all of them (when paid), or split into those away from their
// previous TaskManager, those of them that came from h, and those at home
// (when free). Swapping x from h with y from l adds no move when both are
// away, when x is home and y came from h, or when y is home and x came
// from l. partners fills them, reusing their buffers.
type partnerLists struct{ all, away, fromH, home []member }

func (st *state) partners(h, l int32, list []member, hFits []bool, free bool, p partnerLists) partnerLists {
	p.all, p.away, p.fromH, p.home = p.all[:0], p.away[:0], p.fromH[:0], p.home[:0]
	for _, y := range list {
		switch pv := y.prev; {
		case !hFits[y.v]:
		case !free:
			p.all = append(p.all, y)
		case pv == l:
			p.home = append(p.home, y)
		case pv == h:
			p.fromH = append(p.fromH, y)
			p.away = append(p.away, y)
		default:
			p.away = append(p.away, y)
		}
	}
	return p
}

// slotsFor returns, per vertex, whether t has a slot free for another
// subtask of it, in a buffer reused from call to call.
func (st *state) slotsFor(t int32) []bool {
	if st.hFits == nil {
		st.hFits = make([]bool, st.nv)
	}
	row := st.per[int(t)*st.nv : int(t+1)*st.nv]
	for v, c := range row {
		st.hFits[v] = c < st.d.cap(int(t), st.in.vgroup[v])
	}
	return st.hFits
}

// bestPair returns the swap between h and l (partner lists p) minimising
// the larger of the two TaskManagers' excess over their shares afterwards,
// trying h's swapTries heaviest subtasks; a = -1 when no swap moves weight
// from h to l. With free, only swaps adding no move. A subtask whose
// vertex l has no slot for can only swap with a subtask of the same
// vertex, which always fits.
func (st *state) bestPair(h, l int32, members [][]member, p partnerLists, free bool) swap {
	best := swap{a: -1, l: l, cost: math.Inf(1)}
	hm := members[h]
	for i := len(hm) - 1; i >= max(0, len(hm)-swapTries); i-- {
		x := hm[i]
		switch {
		case !st.fits(x.s, l):
			st.sameVertex(x.s, h, l, free, &best)
		case !free:
			st.nearest(x, p.all, h, l, &best)
		case x.prev == h: // x leaves home: only a y going home is free
			st.nearest(x, p.fromH, h, l, &best)
		default:
			st.nearest(x, p.away, h, l, &best)
			if x.prev == l {
				st.nearest(x, p.home, h, l, &best)
			}
		}
	}
	return best
}

// sameVertex tries x against l's subtasks of x's vertex.
func (st *state) sameVertex(x, h, l int32, free bool, best *swap) {
	oh, ol := st.over(h), st.over(l)
	v := st.in.vtx[x]
	for y := int32(st.in.off[v]); y < int32(st.in.off[v+1]); y++ {
		if st.tm[y] != l || (free && st.addsMove(x, h, y, l)) {
			continue
		}
		if d := st.in.w[x] - st.in.w[y]; d > 0 && d < oh-ol {
			if c := max(oh-d, ol+d); c < best.cost {
				best.a, best.b, best.cost = x, y, c
			}
		}
	}
}

// addsMove reports whether swapping x (on h) with y (on l) adds a move.
func (st *state) addsMove(x, h, y, l int32) bool {
	px, py := st.in.prev[x], st.in.prev[y]
	delta := 0
	if px == h {
		delta++
	}
	if py == l {
		delta++
	}
	if px == l {
		delta--
	}
	if py == h {
		delta--
	}
	return delta > 0
}

// nearest tries x against the members of list (sorted by weight, all
// fitting on h) nearest below and above the ideal partner weight, w(x)
// minus half the gap between h's and l's excess, keeping the best
// improving swap in best. l has a slot for x's vertex.
func (st *state) nearest(x member, list []member, h, l int32, best *swap) {
	oh, ol := st.over(h), st.over(l)
	want := x.w - (oh-ol)/2
	i, _ := slices.BinarySearchFunc(list, want, func(m member, w float64) int { return cmp.Compare(m.w, w) })
	for _, j := range [...]int{i - 1, i} {
		if j < 0 || j >= len(list) {
			continue
		}
		if d := x.w - list[j].w; d > 0 && d < oh-ol {
			if c := max(oh-d, ol+d); c < best.cost {
				best.a, best.b, best.cost = x.s, list[j].s, c
			}
		}
	}
}

// resorted returns list without out and with in, still sorted.
func resorted(list []member, out, in member) []member {
	i, _ := slices.BinarySearchFunc(list, out, compareMembers)
	list = slices.Delete(list, i, i+1)
	j, _ := slices.BinarySearchFunc(list, in, compareMembers)
	return slices.Insert(list, j, in)
}
