package main

import (
	"fmt"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
	"github.com/flinkscale/flinkscale/slotalloc"
)

// placer keeps one allocator's plan across rescales, to report how evenly
// it places the job and how many subtasks each rescale moves.
type placer struct {
	name  string
	alloc slotalloc.Allocator
	plan  slotalloc.Plan
	stats slotalloc.Stats
	moved int
	err   error
}

// newPlacers returns Flink's default placement and slotalloc's Default.
func newPlacers() []*placer {
	return []*placer{{name: "flink-default", alloc: slotalloc.FlinkDefault{}}, {name: "flinkscale-default", alloc: &slotalloc.Default{}}}
}

// place plans the observed job at the decision's targets (or as it is,
// when targets is nil) on the observed TaskManagers.
func (p *placer) place(obs autoscale.Observation, targets map[string]int) {
	r := obs.Resources
	if r.TaskManagers < 1 || r.SlotsPerTaskManager < 1 {
		p.err = fmt.Errorf("the cluster's TaskManagers are unknown")
		return
	}
	req := slotalloc.Request{Previous: p.plan}
	for i := range r.TaskManagers {
		req.TaskManagers = append(req.TaskManagers, slotalloc.TaskManager{ID: slotalloc.TaskManagerID(fmt.Sprintf("tm-%d", i)), Slots: r.SlotsPerTaskManager})
	}
	for _, v := range obs.Vertices {
		par := v.Parallelism
		if t, ok := targets[v.ID]; ok {
			par = t
		}
		req.Vertices = append(req.Vertices, slotalloc.Vertex{ID: slotalloc.VertexID(v.ID), Parallelism: par, SlotSharingGroup: v.SlotSharingGroup})
	}
	plan, err := p.alloc.Allocate(req)
	if err != nil {
		p.err = err
		return
	}
	st, err := slotalloc.Evaluate(req, plan)
	if err != nil {
		p.err = err
		return
	}
	p.plan, p.stats, p.err = plan, st, nil
	p.moved += st.Moved
}

// placementReport summarises the allocators; an allocator that never
// placed the job places it now, as it runs.
func (s *session) placementReport() []report.Placement {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []report.Placement
	for _, p := range s.placers {
		if len(p.plan.Placements) == 0 && s.last != nil {
			p.place(*s.last, nil)
		}
		if p.err != nil {
			s.findings = append(s.findings, fmt.Sprintf("placement %s: %v", p.name, p.err))
			continue
		}
		out = append(out, report.Placement{
			Allocator: p.name, TaskManagers: p.stats.TaskManagers, Tasks: p.stats.Tasks, MaxTasks: p.stats.MaxTasks,
			Spread: p.stats.Spread, Imbalance: p.stats.Imbalance, Moved: p.moved,
		})
	}
	return out
}
