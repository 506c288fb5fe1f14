package flinkio

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// ErrUnknownSource is wrapped by ResolveTopics' errors about a name that
// is not a source vertex of the job.
var ErrUnknownSource = errors.New("flinkio: no such source vertex")

// ResolveTopics turns topics keyed by source vertex name (as the job
// details show it, "Source: orders") into topics keyed by vertex ID, as
// ObserverConfig.Topics wants them. The key "" names the job's only source
// (a vertex without inputs). Names that are no source of the job, or ""
// for a job with several sources, are left out and reported in the error,
// which wraps ErrUnknownSource and lists the job's sources; the rest are
// resolved.
func ResolveTopics(d flinkapi.JobDetails, byName map[string][]string) (map[flinkapi.VertexID][]string, error) {
	var sources []flinkapi.Vertex
	for _, v := range d.Vertices {
		if len(d.Inputs(v.ID)) == 0 {
			sources = append(sources, v)
		}
	}
	out := map[flinkapi.VertexID][]string{}
	var unknown []string
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		ts := slices.Clone(byName[name])
		if name == "" {
			if len(sources) != 1 {
				unknown = append(unknown, `"" (the only source)`)
				continue
			}
			out[sources[0].ID] = ts
			continue
		}
		i := slices.IndexFunc(sources, func(v flinkapi.Vertex) bool { return v.Name == name })
		if i < 0 {
			unknown = append(unknown, fmt.Sprintf("%q", name))
			continue
		}
		out[sources[i].ID] = ts
	}
	if len(unknown) > 0 {
		names := make([]string, len(sources))
		for i, v := range sources {
			names[i] = fmt.Sprintf("%q", v.Name)
		}
		return out, fmt.Errorf("%w: %s; the job's sources are %s", ErrUnknownSource, strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	return out, nil
}
