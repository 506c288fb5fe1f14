package autoscale

import "slices"

// Pipeline is a part of a job that scales on its own: vertices joined by
// edges, or by a slot-sharing group (whose slots they share). A job built
// of independent pipelines (one per topic, say) often gives each its own
// slot-sharing group. Default decides per pipeline; an application
// reporting on a job groups its figures the same way.
type Pipeline struct {
	// Vertices are the pipeline's vertex IDs, in the observation's
	// (topological) order.
	Vertices []string
	// Sources are those of its vertices without inputs, in the same order.
	Sources []string
	// SlotSharingGroups are its vertices' slot-sharing groups, in the order
	// they first appear.
	SlotSharingGroups []string
}

// Pipelines splits the job into its pipelines (the connected components
// of the graph of edges and shared slot-sharing groups), in the order of
// their first vertex. Every vertex is in exactly one.
func (o Observation) Pipelines() []Pipeline {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			parent[x] = find(p)
			return parent[x]
		}
		parent[x] = x
		return x
	}
	union := func(a, b string) { parent[find(a)] = find(b) }
	groups := map[string]string{}
	for _, v := range o.Vertices {
		find(v.ID)
		if first, ok := groups[v.SlotSharingGroup]; ok {
			union(v.ID, first)
		} else {
			groups[v.SlotSharingGroup] = v.ID
		}
	}
	for _, e := range o.Edges {
		union(e.From, e.To)
	}
	var out []Pipeline
	index := map[string]int{}
	for _, v := range o.Vertices {
		r := find(v.ID)
		i, ok := index[r]
		if !ok {
			i = len(out)
			index[r] = i
			out = append(out, Pipeline{})
		}
		p := &out[i]
		p.Vertices = append(p.Vertices, v.ID)
		if len(o.Inputs(v.ID)) == 0 {
			p.Sources = append(p.Sources, v.ID)
		}
		if !slices.Contains(p.SlotSharingGroups, v.SlotSharingGroup) {
			p.SlotSharingGroups = append(p.SlotSharingGroups, v.SlotSharingGroup)
		}
	}
	return out
}
