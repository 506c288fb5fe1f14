package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
	"github.com/flinkscale/flinkscale/examples/autopilot/internal/report"
)

// pipelines groups the observation by pipeline, as Default decides
// (autoscale.Observation.Pipelines): backlog and lag of its sources, its
// slots, its rates. A figure that is missing stays unknown, with its
// reason.
func (s *session) pipelines(obs autoscale.Observation, prev *autoscale.Observation) ([]report.PipelineSample, int) {
	byID, groupSlots := map[string]autoscale.Vertex{}, map[string]int{}
	for _, v := range obs.Vertices {
		byID[v.ID] = v
		groupSlots[v.SlotSharingGroup] = max(groupSlots[v.SlotSharingGroup], v.Parallelism)
	}
	var out []report.PipelineSample
	slots := 0
	for _, p := range obs.Pipelines() {
		first := p.Vertices[0]
		if len(p.Sources) > 0 {
			first = p.Sources[0]
		}
		g := report.PipelineSample{Name: pipelineName(byID[first]), Running: obs.Running, BacklogKnown: true, LagKnown: true}
		for _, ssg := range p.SlotSharingGroups {
			g.Parallelism += groupSlots[ssg]
		}
		for _, id := range p.Sources {
			src := byID[id].Source
			if src == nil {
				continue
			}
			if b, ok := src.Backlog.Get(); ok && g.BacklogKnown {
				g.Backlog += b
			} else if !ok && g.BacklogKnown {
				g.Backlog, g.BacklogKnown, g.BacklogReason = 0, false, reasonOf(src.Backlog, "backlog")
			}
			if l, ok := src.TimeLag.Get(); ok && g.LagKnown {
				g.Lag = max(g.Lag, time.Duration(l*float64(time.Second)))
			} else if !ok && g.LagKnown {
				g.Lag, g.LagKnown, g.LagReason = 0, false, reasonOf(src.TimeLag, "time lag")
			}
		}
		g.InRate, g.OutRate, g.RatesKnown = s.rates(g.Name, p, obs, prev)
		slots += g.Parallelism
		out = append(out, g)
	}
	return out, slots
}

// reasonOf is why v is missing.
func reasonOf(v autoscale.Value, what string) string {
	if r := v.Reason(); r != "" {
		return r
	}
	return what + " not reported"
}

// pipelineName names a pipeline after its first source: "Source: hot" is
// "hot", "Source: hot -> Map" "hot -> Map".
func pipelineName(source autoscale.Vertex) string {
	if n := strings.TrimSpace(strings.TrimPrefix(source.Name, "Source:")); n != "" {
		return n
	}
	if source.Name != "" {
		return source.Name
	}
	return shortID(source.ID)
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	if id == "" {
		return "default"
	}
	return id
}

// changeText says what a decision changes, by vertex name, in the
// observation's (topological) order: "Transform: hot 3->11, Sink: hot
// 1->3".
func changeText(rec autoscale.Record, obs *autoscale.Observation) string {
	var parts []string
	ids := slices.Clone(rec.Changes)
	if obs != nil {
		pos := map[string]int{}
		for i, v := range obs.Vertices {
			pos[v.ID] = i
		}
		slices.SortStableFunc(ids, func(a, b string) int { return pos[a] - pos[b] })
	}
	for _, id := range ids {
		name, from := shortID(id), 0
		if obs != nil {
			if v, ok := obs.Vertex(id); ok {
				name, from = obs.Label(id), v.Parallelism
			}
		}
		parts = append(parts, fmt.Sprintf("%s %d->%d", name, from, rec.Decision.Targets[id]))
	}
	return strings.Join(parts, ", ")
}

// missing lists the figures of a running job that are missing, by
// vertex, with their reasons: "Transform: hot busy time (metric not
// reported)"; "" when none is (or the job is not running: then all are,
// and the status line says so).
func missing(obs autoscale.Observation) string {
	if !obs.Running {
		return ""
	}
	var out []string
	for _, v := range obs.Vertices {
		figs := []struct {
			name string
			v    autoscale.Value
		}{{"records in", v.RecordsIn}, {"busy time", v.Busy}}
		if v.Source != nil {
			figs = append(figs, struct {
				name string
				v    autoscale.Value
			}{"backlog", v.Source.Backlog})
		}
		var miss []string
		for _, f := range figs {
			if !f.v.Valid() {
				miss = append(miss, strings.TrimSpace(f.name+" "+parenthesised(f.v.Reason())))
			}
		}
		if len(miss) > 0 {
			out = append(out, v.Name+" "+strings.Join(miss, ", "))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

func parenthesised(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

// unmeasured says which vertex a keep decision could not size, from the
// policy's own Decision.Unsized: "Source: orders: its demand is unknown,
// ..." and how many more; "" when every vertex was sized.
func unmeasured(obs autoscale.Observation, d autoscale.Decision) string {
	var first string
	n := 0
	for _, v := range obs.Vertices {
		why, ok := d.Unsized[v.ID]
		if !ok {
			continue
		}
		if n++; n == 1 {
			first = obs.Label(v.ID) + ": " + obs.Named(why)
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return first
	}
	return fmt.Sprintf("%s (and %d more vertices)", first, n-1)
}
