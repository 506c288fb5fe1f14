package flinktest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// placement maps each execution slot-sharing group (job, group, subtask
// index) to a slot, the way Flink's default adaptive-scheduler allocator
// does: group i holds subtask i of every vertex in the slot-sharing group
// with parallelism > i, and groups take free slots in TaskManager order, so
// the first TaskManagers fill first.
type placement struct {
	slotsPerTM int
	slot       map[groupKey]int
	used       int
}

type groupKey struct {
	job   flinkapi.JobID
	group string
	index int
}

// placement computes where every running job's subtasks are. s.mu must be held.
func (s *Server) placement(now time.Time) placement {
	p := placement{slotsPerTM: s.cfg.SlotsPerTaskManager, slot: map[groupKey]int{}}
	total := s.cfg.TaskManagers * s.cfg.SlotsPerTaskManager
	for _, id := range s.order {
		j := s.jobs[id]
		s.advance(j, now)
		if j.state.IsGloballyTerminal() {
			continue
		}
		for _, g := range j.groupDemand() {
			for i := 0; i < g.slots && p.used < total; i++ {
				p.slot[groupKey{j.id, g.name, i}] = p.used
				p.used++
			}
		}
	}
	return p
}

// taskManager returns the index of the TaskManager running (job, group,
// index), or -1 when it has no slot.
func (p placement) taskManager(job flinkapi.JobID, group string, index int) int {
	slot, ok := p.slot[groupKey{job, group, index}]
	if !ok {
		return -1
	}
	return slot / p.slotsPerTM
}

// usedOn returns how many slots of TaskManager tm are taken.
func (p placement) usedOn(tm int) int {
	lo, hi := tm*p.slotsPerTM, (tm+1)*p.slotsPerTM
	return max(0, min(p.used, hi)-lo)
}

type groupSlots struct {
	name  string
	slots int
}

// groupDemand returns the job's slot-sharing groups in order of first
// appearance, each needing as many slots as its widest vertex.
func (j *job) groupDemand() []groupSlots {
	var out []groupSlots
	for _, v := range j.vertices {
		i := slices.IndexFunc(out, func(g groupSlots) bool { return g.name == v.group })
		if i < 0 {
			out = append(out, groupSlots{v.group, 0})
			i = len(out) - 1
		}
		out[i].slots = max(out[i].slots, v.parallelism)
	}
	return out
}

// tmID is a TaskManager's ResourceID in the form a standalone Flink
// cluster gives it: "<host>:<port>-<6 hex>" (not the spec's 32 hex).
func (s *Server) tmID(tm int) string {
	if tm < 0 {
		return ""
	}
	return fmt.Sprintf("10.0.0.%d:6122-%s", tm+10, hexID("taskmanager/" + strconv.Itoa(tm))[:6])
}

func (s *Server) tmEndpoint(tm int) string {
	if tm < 0 {
		return "(unassigned)"
	}
	return fmt.Sprintf("10.0.0.%d:6121", tm+10)
}

func (s *Server) getOverview(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Clock.Now()
	p := s.placement(now)
	o := flinkapi.ClusterOverview{
		TaskManagers:   s.cfg.TaskManagers,
		SlotsTotal:     s.cfg.TaskManagers * s.cfg.SlotsPerTaskManager,
		SlotsAvailable: s.cfg.TaskManagers*s.cfg.SlotsPerTaskManager - p.used,
		FlinkVersion:   s.cfg.FlinkVersion,
		FlinkCommit:    "flinktest",
	}
	for _, id := range s.order {
		switch s.jobs[id].state {
		case flinkapi.JobFinished:
			o.JobsFinished++
		case flinkapi.JobCanceled:
			o.JobsCancelled++
		case flinkapi.JobFailed:
			o.JobsFailed++
		default:
			o.JobsRunning++
		}
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) getTaskManagers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.placement(s.cfg.Clock.Now())
	const mib = 1 << 20
	slotRes := flinkapi.Resource{CPUCores: 1, TaskHeapMemory: 384, TaskOffHeapMemory: 0, ManagedMemory: 512, NetworkMemory: 128}
	out := struct {
		TaskManagers []flinkapi.TaskManager `json:"taskmanagers"`
	}{TaskManagers: []flinkapi.TaskManager{}}
	for tm := 0; tm < s.cfg.TaskManagers; tm++ {
		n, free := s.cfg.SlotsPerTaskManager, s.cfg.SlotsPerTaskManager-p.usedOn(tm)
		out.TaskManagers = append(out.TaskManagers, flinkapi.TaskManager{
			ID: s.tmID(tm), Path: "pekko.tcp://flink@" + s.tmEndpoint(tm) + "/user/rpc/taskmanager_0",
			DataPort: 6121, JMXPort: -1, TimeSinceLastHeartbeat: millisNow(s.cfg.Clock.Now()),
			SlotsNumber: n, FreeSlots: free,
			TotalResource: scaleResource(slotRes, n), FreeResource: scaleResource(slotRes, free),
			Hardware: flinkapi.Hardware{CPUCores: n, PhysicalMemory: int64(n) * 2048 * mib, FreeMemory: int64(n) * 1024 * mib, ManagedMemory: int64(n) * 512 * mib},
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func millisNow(t time.Time) int64 { return t.UnixMilli() }

func scaleResource(r flinkapi.Resource, n int) flinkapi.Resource {
	k := int64(n)
	return flinkapi.Resource{CPUCores: r.CPUCores * flinkapi.Float(n), TaskHeapMemory: r.TaskHeapMemory * k,
		TaskOffHeapMemory: r.TaskOffHeapMemory * k, ManagedMemory: r.ManagedMemory * k, NetworkMemory: r.NetworkMemory * k}
}

func (s *Server) getJobManagerConfig(w http.ResponseWriter, r *http.Request) {
	cfg := map[string]string{
		"jobmanager.scheduler":            "adaptive",
		"taskmanager.numberOfTaskSlots":   strconv.Itoa(s.cfg.SlotsPerTaskManager),
		"web.checkpoints.history":         strconv.Itoa(historySize),
		"metrics.fetcher.update-interval": "10000",
		"rest.async.store-duration":       "5 min",
	}
	for k, v := range s.cfg.JobManagerConfig {
		cfg[k] = v
	}
	type entry struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	out := []entry{}
	for _, k := range sortStrings(keys(cfg)) {
		out = append(out, entry{k, cfg[k]})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getJobManagerMetrics(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	now := s.cfg.Clock.Now()
	p := s.placement(now)
	running := 0
	for _, id := range s.order {
		if !s.jobs[id].state.IsGloballyTerminal() {
			running++
		}
	}
	s.mu.Unlock()
	total := s.cfg.TaskManagers * s.cfg.SlotsPerTaskManager
	writeMetricCollection(w, r, map[string]string{
		"taskSlotsTotal":            strconv.Itoa(total),
		"taskSlotsAvailable":        strconv.Itoa(total - p.used),
		"numRegisteredTaskManagers": strconv.Itoa(s.cfg.TaskManagers),
		"numRunningJobs":            strconv.Itoa(running),
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}
