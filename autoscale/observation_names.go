package autoscale

import (
	"fmt"
	"strings"
)

// Label returns the name a person knows vertex id by: its Name, followed by
// the first 8 characters of its ID in brackets when another vertex of o has
// the same name ("Map [cbc357cc]"), or the ID itself when the vertex has no
// name or is not in o.
func (o Observation) Label(id string) string {
	name, shared := "", false
	for _, v := range o.Vertices {
		if v.ID == id {
			name = v.Name
		}
	}
	if name == "" {
		return id
	}
	for _, v := range o.Vertices {
		if v.ID != id && v.Name == name {
			shared = true
		}
	}
	if shared {
		return fmt.Sprintf("%s [%s]", name, shortID(id))
	}
	return name
}

// Named returns text with every vertex ID of o replaced by its Label.
// Policies explain their decisions by vertex ID (Decision.Summary and
// Reasons), which is exact but unreadable for Flink's 32-hex IDs; Named is
// how a program shows those texts to a person:
//
//	fmt.Println(obs.Named(rec.Decision.Summary))
func (o Observation) Named(text string) string {
	var pairs []string
	for _, v := range o.Vertices {
		if v.ID == "" || v.Name == "" || v.ID == v.Name {
			continue
		}
		pairs = append(pairs, v.ID, o.Label(v.ID))
	}
	if len(pairs) == 0 {
		return text
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
