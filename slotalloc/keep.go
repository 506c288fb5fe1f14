package slotalloc

import "slices"

// leaving marks, in state.tm, a candidate chosen to leave its TaskManager.
const leaving = -2

// byPrevious buckets the subtasks whose previous TaskManager is still
// there by that TaskManager: the candidates of t to stay are
// cands[candOff[t]:candOff[t+1]], vertex by vertex in subtask order.
func (st *state) byPrevious() (cands []int32, candOff []int) {
	candOff = make([]int, st.in.tms()+1)
	for _, p := range st.in.prev {
		if p >= 0 {
			candOff[p+1]++
		}
	}
	for t := range st.in.tms() {
		candOff[t+1] += candOff[t]
	}
	cands = make([]int32, candOff[len(candOff)-1])
	next := slices.Clone(candOff)
	for s, p := range st.in.prev {
		if p >= 0 {
			cands[next[p]] = int32(s)
			next[p]++
		}
	}
	return cands, candOff
}

// keep keeps on every surviving TaskManager as many of its previous
// subtasks as its limit and its slots allow; the others join the pool.
// TaskManagers within their limit keep all they can first; the others
// then shed, each vertex no more subtasks than the TaskManagers with room
// have slots for once the vertex's subtasks without a place are counted.
func (st *state) keep(cands []int32, candOff []int) {
	over := make([]bool, st.in.tms())
	for t := range st.in.tms() {
		c := cands[candOff[t]:candOff[t+1]]
		forced := st.shedForced(int32(t), c)
		if len(c)-forced > int(st.limit(int32(t))) {
			over[t] = true
			continue
		}
		st.settle(int32(t), c)
	}
	room := st.vertexRoom(over)
	for t := range st.in.tms() {
		if over[t] {
			c := cands[candOff[t]:candOff[t+1]]
			st.shedSample(int32(t), c, room)
			st.settle(int32(t), c)
		}
	}
}

// settle places on t its candidates not marked leaving and unmarks those.
func (st *state) settle(t int32, cands []int32) {
	for _, s := range cands {
		if st.tm[s] == leaving {
			st.tm[s] = -1
		} else {
			st.place(s, t)
		}
	}
}

// shedForced marks leaving the subtasks of each vertex beyond the slots
// its group has on t, the last ones of the vertex first, and returns how
// many.
func (st *state) shedForced(t int32, cands []int32) int {
	forced := 0
	for i := 0; i < len(cands); {
		v := st.in.vtx[cands[i]]
		j := i + 1
		for j < len(cands) && st.in.vtx[cands[j]] == v {
			j++
		}
		capV := int(st.d.cap(int(t), st.in.vgroup[v]))
		for _, s := range cands[i+min(capV, j-i) : j] {
			st.tm[s] = leaving
			forced++
		}
		i = j
	}
	return forced
}

// vertexRoom returns, per vertex, how many more of its subtasks the
// TaskManagers that are not over their limit can take (each at most its
// free slots for the vertex and its room under its limit, counting a
// grant it could still get), minus the vertex's subtasks that are
// unplaced already (new, from a gone TaskManager, or forced out): what the
// shedding TaskManagers may shed of it without the pool needing more than
// the TaskManagers with room can hold.
func (st *state) vertexRoom(over []bool) []int {
	room := make([]int, st.nv)
	for t, o := range over {
		free := int(st.limit(int32(t)) - st.count[t])
		if !st.grant[t] && st.canGrow[t] && st.budget > 0 {
			free++
		}
		if o || free <= 0 {
			continue
		}
		for v := range st.nv {
			room[v] += min(free, int(st.d.cap(t, st.in.vgroup[v])-st.per[t*st.nv+v]))
		}
	}
	for s, t := range st.tm {
		if p := st.in.prev[s]; t == leaving || (t == -1 && (p < 0 || !over[p])) {
			room[st.in.vtx[s]]--
		}
	}
	return room
}

// shedSample marks leaving the candidates t must shed beyond the forced
// ones: an evenly spaced sample, with m candidates and k to shed every
// candidate i for which floor((i*k + phase) / m) steps, the phase
// differing from one TaskManager to the next. The candidates are listed
// vertex by vertex, so each vertex sheds about its share k/m of its
// subtasks over all TaskManagers and the pool weighs about its share of
// the total. A vertex without room left is skipped for the next
// candidate that has some, then for the last one that has some; if none
// is left, the last candidates go.
func (st *state) shedSample(t int32, cands []int32, room []int) {
	m, forced := 0, 0
	for _, s := range cands {
		if st.tm[s] == leaving {
			forced++
		}
	}
	m = len(cands) - forced
	k := m - int(st.limit(t))
	phase := int(t) * m / st.in.tms()
	owed, i := 0, 0
	for _, s := range cands {
		if st.tm[s] == leaving {
			continue
		}
		if ((i+1)*k+phase)/m > (i*k+phase)/m {
			owed++
		}
		i++
		if owed > 0 && room[st.in.vtx[s]] > 0 {
			room[st.in.vtx[s]]--
			st.tm[s] = leaving
			owed--
		}
	}
	for _, anyRoom := range [...]bool{false, true} {
		for j := len(cands) - 1; j >= 0 && owed > 0; j-- {
			if s := cands[j]; st.tm[s] != leaving && (anyRoom || room[st.in.vtx[s]] > 0) {
				room[st.in.vtx[s]]--
				st.tm[s] = leaving
				owed--
			}
		}
	}
}
