package flinkdeployment

import (
	"fmt"
	"slices"
	"strings"
)

// Form is how spec.flinkConfiguration writes its keys.
type Form int

const (
	// Flat: one key per option, "pipeline.jobvertex-parallelism-overrides".
	Flat Form = iota
	// Nested: YAML-structured, {pipeline: {jobvertex-parallelism-overrides:
	// ...}}, accepted by the operator from 1.13.0 on, which flattens it
	// with ".".
	Nested
)

// String returns "flat" or "nested".
func (f Form) String() string {
	if f == Nested {
		return "nested"
	}
	return "flat"
}

// conf is spec.flinkConfiguration as the object holds it.
type conf map[string]any

// paths returns where in c the option key is written: each path is the
// keys from the top, whose join with "." is key (the operator flattens a
// nested configuration that way).
func (c conf) paths(key string) [][]string {
	var out [][]string
	var walk func(m map[string]any, prefix []string, rest string)
	walk = func(m map[string]any, prefix []string, rest string) {
		for k, v := range m {
			switch {
			case k == rest:
				out = append(out, append(slices.Clone(prefix), k))
			case strings.HasPrefix(rest, k+"."):
				if sub, ok := v.(map[string]any); ok {
					walk(sub, append(slices.Clone(prefix), k), strings.TrimPrefix(rest, k+"."))
				}
			}
		}
	}
	walk(c, nil, key)
	return out
}

// form is the form the object uses: nested when any value is an object,
// else flat.
func (c conf) form() Form {
	for _, v := range c {
		if _, ok := v.(map[string]any); ok {
			return Nested
		}
	}
	return Flat
}

// lookup returns the option key's value as a string, where it is written
// (nil when it is not), and an error wrapping ErrInvalidSpec when it is
// written more than once (flat and nested).
func (c conf) lookup(key string) (string, []string, error) {
	ps := c.paths(key)
	switch len(ps) {
	case 0:
		return "", nil, nil
	case 1:
	default:
		var names []string
		for _, p := range ps {
			names = append(names, strings.Join(p, " > "))
		}
		slices.Sort(names)
		return "", nil, fmt.Errorf("%w: %s is written %d times in spec.flinkConfiguration (%s); keep one",
			ErrInvalidSpec, key, len(ps), strings.Join(names, "; "))
	}
	m := map[string]any(c)
	p := ps[0]
	for _, k := range p[:len(p)-1] {
		m = m[k].(map[string]any)
	}
	v := m[p[len(p)-1]]
	if s, ok := v.(string); ok {
		return s, p, nil
	}
	return fmt.Sprint(v), p, nil
}

// set writes key = value where it is written, or, when it is not, in the
// object's form: flat at the top, or nested with "." splitting the key
// (into the existing subtrees). It never writes a key twice.
func (c conf) set(key, value string) error {
	_, at, err := c.lookup(key)
	if err != nil {
		return err
	}
	if at == nil {
		if c.form() == Flat {
			at = []string{key}
		} else {
			at = strings.Split(key, ".")
		}
	}
	m := map[string]any(c)
	for _, k := range at[:len(at)-1] {
		sub, ok := m[k].(map[string]any)
		if !ok {
			if _, taken := m[k]; taken {
				return fmt.Errorf("%w: spec.flinkConfiguration.%s is a value, so %s cannot be nested under it",
					ErrInvalidSpec, k, key)
			}
			sub = map[string]any{}
			m[k] = sub
		}
		m = sub
	}
	m[at[len(at)-1]] = value
	return nil
}

// remove deletes key where it is written, and the nested objects it
// leaves empty.
func (c conf) remove(key string) {
	var drop func(m map[string]any, p []string) bool
	drop = func(m map[string]any, p []string) bool {
		if len(p) == 1 {
			delete(m, p[0])
		} else if sub, ok := m[p[0]].(map[string]any); ok && drop(sub, p[1:]) {
			delete(m, p[0])
		}
		return len(m) == 0
	}
	for _, p := range c.paths(key) {
		drop(c, p)
	}
}
