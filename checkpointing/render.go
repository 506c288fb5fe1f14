package checkpointing

import (
	"strings"
)

// BeamArgs renders the effective settings as Beam pipeline arguments, one
// per field in Fields order, e.g. "--maxBundleSize=1000". Checkpointing off
// renders as "--checkpointingInterval=-1". Invalid settings give an error
// wrapping ErrInvalidConfig.
func (s Settings) BeamArgs() ([]string, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	e := s.Effective()
	out := make([]string, 0, len(fieldSpecs))
	for _, f := range Fields() {
		out = append(out, "--"+fieldSpecs[f].beam+"="+fieldSpecs[f].beamValue(e))
	}
	return out, nil
}

// ParseBeamArgs reads the settings from Beam pipeline arguments of the form
// "--name=value" (a bare "--name" is true for a boolean option, as in Beam).
// Options it does not know (--runner, --streaming, application options) are
// returned in rest, in order. Absent options take their defaults and the
// result is effective: ParseBeamArgs(s.BeamArgs()) == s.Effective(). A bad
// value (milliseconds beyond what a time.Duration holds among them), a
// repeated option or invalid settings give an error wrapping
// ErrInvalidConfig (a *SettingError for a bad value).
func ParseBeamArgs(args []string) (s Settings, rest []string, err error) {
	byName := map[string]Field{}
	for _, f := range Fields() {
		byName[fieldSpecs[f].beam] = f
	}
	seen := map[Field]bool{}
	for _, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		f, ok := byName[name]
		if !strings.HasPrefix(a, "--") || !ok {
			rest = append(rest, a)
			continue
		}
		if seen[f] {
			return Settings{}, nil, &SettingError{Name: name, Value: value, Reason: "given more than once"}
		}
		seen[f] = true
		if !hasValue && (f == FieldFinishBundleBeforeCheckpointing || f == FieldUnaligned) {
			value = "true"
		}
		if perr := fieldSpecs[f].parseBeam(&s, value); perr != nil {
			return Settings{}, nil, &SettingError{Name: name, Value: value, Reason: perr.Error()}
		}
	}
	if err := s.Validate(); err != nil {
		return Settings{}, nil, err
	}
	return s.Effective(), rest, nil
}

// FlinkConfig renders the effective checkpoint settings as Flink
// configuration entries (the bundle options are Beam's and have no Flink
// key). Durations are written in Flink's canonical form ("10 s", "1 min");
// checkpointing off leaves execution.checkpointing.interval out; unaligned
// checkpoints are written under both FlinkUnaligned and FlinkUnalignedLegacy
// so that Flink 1.18 to 2.x read them. Invalid settings give an error
// wrapping ErrInvalidConfig.
func (s Settings) FlinkConfig() (map[string]string, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	e := s.Effective()
	out := map[string]string{}
	for _, f := range Fields() {
		spec := fieldSpecs[f]
		if spec.flink == "" {
			continue
		}
		if v, ok := spec.flinkValue(e); ok {
			out[spec.flink] = v
		}
	}
	out[FlinkUnalignedLegacy] = out[FlinkUnaligned]
	return out, nil
}

// ParseFlinkConfig reads the checkpoint settings from Flink configuration
// entries, ignoring keys it does not know. Durations are accepted in
// Flink's forms ("10 s", "10s", "10000 ms", "10000", "1 min"). Both unaligned
// keys are read; they must agree when both are present. The bundle fields
// are Beam's defaults and the result is effective:
// ParseFlinkConfig(s.FlinkConfig()) equals s.Effective() in every checkpoint
// field. Bad values give an error wrapping ErrInvalidConfig.
func ParseFlinkConfig(conf map[string]string) (Settings, error) {
	var s Settings
	for _, f := range Fields() {
		spec := fieldSpecs[f]
		if spec.flink == "" {
			continue
		}
		v, ok := conf[spec.flink]
		if f == FieldUnaligned {
			legacy, hasLegacy := conf[FlinkUnalignedLegacy]
			if ok && hasLegacy && !strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(legacy)) {
				return Settings{}, &SettingError{Name: FlinkUnalignedLegacy, Value: legacy, Reason: "disagrees with " + FlinkUnaligned}
			}
			if !ok {
				v, ok = legacy, hasLegacy
			}
		}
		if !ok {
			continue
		}
		if err := spec.parseFlink(&s, v); err != nil {
			return Settings{}, &SettingError{Name: spec.flink, Value: v, Reason: err.Error()}
		}
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s.Effective(), nil
}
