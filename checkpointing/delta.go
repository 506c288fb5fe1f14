package checkpointing

import "strings"

// Delta is a change to some fields of Settings: the concrete change a
// Finding or a plan proposes. The zero Delta changes nothing. Build one with
// Diff. A Delta is a value and safe to share.
type Delta struct {
	set  uint32 // bit f is set when Field f changes
	from Settings
	to   Settings
}

// Diff returns the change from one Settings to another: the fields whose
// effective values differ.
func Diff(from, to Settings) Delta {
	d := Delta{from: from.Effective(), to: to.Effective()}
	for _, f := range Fields() {
		spec := fieldSpecs[f]
		if spec.beamValue(d.from) != spec.beamValue(d.to) {
			d.set |= 1 << f
		}
	}
	return d
}

// IsZero reports whether the delta changes nothing.
func (d Delta) IsZero() bool { return d.set == 0 }

// Has reports whether the delta changes field f.
func (d Delta) Has(f Field) bool { return f.valid() && d.set&(1<<f) != 0 }

// Fields returns the changed fields in rendering order.
func (d Delta) Fields() []Field {
	var out []Field
	for _, f := range Fields() {
		if d.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

// To returns the settings the delta was computed towards, effective.
func (d Delta) To() Settings { return d.to }

// Apply returns s with the delta's fields set to their new values; the
// other fields are left as they are in s.
func (d Delta) Apply(s Settings) Settings {
	for _, f := range d.Fields() {
		fieldSpecs[f].copyFrom(&s, d.to)
	}
	return s
}

// Merge combines two deltas: fields that d changes keep d's values, fields
// only o changes take o's. Merge findings most severe first so that their
// changes win.
func (d Delta) Merge(o Delta) Delta {
	if d.IsZero() {
		return o
	}
	out := d
	for _, f := range o.Fields() {
		if !d.Has(f) {
			fieldSpecs[f].copyFrom(&out.from, o.from)
			fieldSpecs[f].copyFrom(&out.to, o.to)
			out.set |= 1 << f
		}
	}
	return out
}

// BeamArgs renders the changed fields as Beam pipeline arguments.
func (d Delta) BeamArgs() []string {
	var out []string
	for _, f := range d.Fields() {
		out = append(out, "--"+fieldSpecs[f].beam+"="+fieldSpecs[f].beamValue(d.to))
	}
	return out
}

// FlinkConfig renders the changed checkpoint fields as Flink configuration
// entries (bundle fields have no Flink key and are left out). Turning
// checkpointing off has no Flink form other than removing the interval key,
// so it is written as an empty value.
func (d Delta) FlinkConfig() map[string]string {
	out := map[string]string{}
	for _, f := range d.Fields() {
		spec := fieldSpecs[f]
		if spec.flink == "" {
			continue
		}
		v, _ := spec.flinkValue(d.to)
		if f == FieldInterval && d.to.Interval == 0 {
			v = ""
		}
		out[spec.flink] = v
		if f == FieldUnaligned {
			out[FlinkUnalignedLegacy] = v
		}
	}
	return out
}

// String renders the change as "name: old -> new" pairs in Beam's terms,
// or "no change".
func (d Delta) String() string {
	if d.IsZero() {
		return "no change"
	}
	parts := make([]string, 0, 4)
	for _, f := range d.Fields() {
		spec := fieldSpecs[f]
		parts = append(parts, spec.beam+": "+spec.beamValue(d.from)+" -> "+spec.beamValue(d.to))
	}
	return strings.Join(parts, ", ")
}
