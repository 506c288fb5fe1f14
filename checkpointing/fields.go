package checkpointing

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Field names one setting of Settings. Its String is the Beam option name.
type Field int

// The settings, in the order they are rendered.
const (
	FieldMaxBundleSize Field = iota + 1
	FieldMaxBundleTime
	FieldFinishBundleBeforeCheckpointing
	FieldInterval
	FieldTimeout
	FieldMinPause
	FieldMaxConcurrent
	FieldUnaligned
	FieldMode
)

// Flink configuration keys.
const (
	FlinkInterval      = "execution.checkpointing.interval"
	FlinkTimeout       = "execution.checkpointing.timeout"
	FlinkMinPause      = "execution.checkpointing.min-pause"
	FlinkMaxConcurrent = "execution.checkpointing.max-concurrent-checkpoints"
	// FlinkUnaligned is the key of Flink 1.20 and 2.x.
	FlinkUnaligned = "execution.checkpointing.unaligned.enabled"
	// FlinkUnalignedLegacy is the key before Flink 1.20, deprecated since.
	// Both keys are rendered and both are parsed.
	FlinkUnalignedLegacy = "execution.checkpointing.unaligned"
	FlinkMode            = "execution.checkpointing.mode"
)

// fieldSpec describes how one field is named, rendered and parsed.
// Renderers take effective Settings; parsers set the field from a value.
type fieldSpec struct {
	beam       string
	flink      string // "" for Beam-only (bundle) options
	beamValue  func(s Settings) string
	flinkValue func(s Settings) (string, bool) // false: leave the key out
	parseBeam  func(s *Settings, v string) error
	parseFlink func(s *Settings, v string) error
	copyFrom   func(dst *Settings, src Settings)
	raw        func(s Settings) string // the raw value, for errors
}

// fieldSpecs is indexed by Field; it is never modified.
var fieldSpecs = [...]fieldSpec{
	FieldMaxBundleSize: {
		beam:      "maxBundleSize",
		beamValue: func(s Settings) string { return strconv.FormatInt(s.MaxBundleSize, 10) },
		parseBeam: func(s *Settings, v string) (err error) {
			s.MaxBundleSize, err = parseCount(v)
			return err
		},
		copyFrom: func(d *Settings, s Settings) { d.MaxBundleSize = s.MaxBundleSize },
		raw:      func(s Settings) string { return strconv.FormatInt(s.MaxBundleSize, 10) },
	},
	FieldMaxBundleTime: {
		beam:      "maxBundleTimeMills",
		beamValue: func(s Settings) string { return millis(s.MaxBundleTime) },
		parseBeam: func(s *Settings, v string) (err error) {
			n, err := parseCount(v)
			if err != nil {
				return err
			}
			s.MaxBundleTime, err = fromMillis(n)
			return err
		},
		copyFrom: func(d *Settings, s Settings) { d.MaxBundleTime = s.MaxBundleTime },
		raw:      func(s Settings) string { return s.MaxBundleTime.String() },
	},
	FieldFinishBundleBeforeCheckpointing: {
		beam:      "finishBundleBeforeCheckpointing",
		beamValue: func(s Settings) string { return strconv.FormatBool(s.FinishBundleBeforeCheckpointing) },
		parseBeam: func(s *Settings, v string) (err error) {
			s.FinishBundleBeforeCheckpointing, err = parseBool(v)
			return err
		},
		copyFrom: func(d *Settings, s Settings) { d.FinishBundleBeforeCheckpointing = s.FinishBundleBeforeCheckpointing },
		raw:      func(s Settings) string { return strconv.FormatBool(s.FinishBundleBeforeCheckpointing) },
	},
	FieldInterval: {
		beam: "checkpointingInterval", flink: FlinkInterval,
		beamValue: func(s Settings) string {
			if s.Interval == 0 {
				return "-1"
			}
			return millis(s.Interval)
		},
		flinkValue: func(s Settings) (string, bool) { return FormatFlinkDuration(s.Interval), s.Interval > 0 },
		parseBeam:  func(s *Settings, v string) (err error) { s.Interval, err = parseBeamMillis(v, true); return err },
		parseFlink: func(s *Settings, v string) (err error) { s.Interval, err = parseFlinkCheckpointTime(v); return err },
		copyFrom:   func(d *Settings, s Settings) { d.Interval = s.Interval },
		raw:        func(s Settings) string { return s.Interval.String() },
	},
	FieldTimeout: {
		beam: "checkpointTimeoutMillis", flink: FlinkTimeout,
		beamValue:  func(s Settings) string { return millis(s.Timeout) },
		flinkValue: func(s Settings) (string, bool) { return FormatFlinkDuration(s.Timeout), true },
		parseBeam:  func(s *Settings, v string) (err error) { s.Timeout, err = parseBeamMillis(v, true); return err },
		parseFlink: func(s *Settings, v string) (err error) { s.Timeout, err = parseFlinkCheckpointTime(v); return err },
		copyFrom:   func(d *Settings, s Settings) { d.Timeout = s.Timeout },
		raw:        func(s Settings) string { return s.Timeout.String() },
	},
	FieldMinPause: {
		beam: "minPauseBetweenCheckpoints", flink: FlinkMinPause,
		beamValue:  func(s Settings) string { return millis(s.MinPause) },
		flinkValue: func(s Settings) (string, bool) { return FormatFlinkDuration(s.MinPause), true },
		parseBeam:  func(s *Settings, v string) (err error) { s.MinPause, err = parseBeamMillis(v, false); return err },
		parseFlink: func(s *Settings, v string) (err error) { s.MinPause, err = ParseFlinkDuration(v); return err },
		copyFrom:   func(d *Settings, s Settings) { d.MinPause = s.MinPause },
		raw:        func(s Settings) string { return s.MinPause.String() },
	},
	FieldMaxConcurrent: {
		beam: "numConcurrentCheckpoints", flink: FlinkMaxConcurrent,
		beamValue:  func(s Settings) string { return strconv.Itoa(s.MaxConcurrent) },
		flinkValue: func(s Settings) (string, bool) { return strconv.Itoa(s.MaxConcurrent), true },
		parseBeam:  parseMaxConcurrent,
		parseFlink: parseMaxConcurrent,
		copyFrom:   func(d *Settings, s Settings) { d.MaxConcurrent = s.MaxConcurrent },
		raw:        func(s Settings) string { return strconv.Itoa(s.MaxConcurrent) },
	},
	FieldUnaligned: {
		beam: "unalignedCheckpointEnabled", flink: FlinkUnaligned,
		beamValue:  func(s Settings) string { return strconv.FormatBool(s.Unaligned) },
		flinkValue: func(s Settings) (string, bool) { return strconv.FormatBool(s.Unaligned), true },
		parseBeam:  func(s *Settings, v string) (err error) { s.Unaligned, err = parseBool(v); return err },
		parseFlink: func(s *Settings, v string) (err error) { s.Unaligned, err = parseBool(v); return err },
		copyFrom:   func(d *Settings, s Settings) { d.Unaligned = s.Unaligned },
		raw:        func(s Settings) string { return strconv.FormatBool(s.Unaligned) },
	},
	FieldMode: {
		beam: "checkpointingMode", flink: FlinkMode,
		beamValue:  func(s Settings) string { return string(s.Mode) },
		flinkValue: func(s Settings) (string, bool) { return string(s.Mode), true },
		parseBeam:  parseMode,
		parseFlink: parseMode,
		copyFrom:   func(d *Settings, s Settings) { d.Mode = s.Mode },
		raw:        func(s Settings) string { return string(s.Mode) },
	},
}

// Fields returns every field in rendering order.
func Fields() []Field {
	out := make([]Field, 0, len(fieldSpecs)-1)
	for f := FieldMaxBundleSize; f <= FieldMode; f++ {
		out = append(out, f)
	}
	return out
}

func (f Field) valid() bool { return f >= FieldMaxBundleSize && f <= FieldMode }

// String returns the Beam option name, or "Field(n)" for an unknown field.
func (f Field) String() string {
	if !f.valid() {
		return fmt.Sprintf("Field(%d)", int(f))
	}
	return fieldSpecs[f].beam
}

// BeamOption returns the Beam Flink-runner option name ("maxBundleSize").
func (f Field) BeamOption() string { return f.String() }

// FlinkKey returns the Flink configuration key, or "" for the bundle options
// that only Beam has.
func (f Field) FlinkKey() string {
	if !f.valid() {
		return ""
	}
	return fieldSpecs[f].flink
}

func (f Field) rawValue(s Settings) string { return fieldSpecs[f].raw(s) }

// parseCount parses a positive integer (Beam rejects a bundle size or time
// of zero).
func parseCount(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not an integer")
	}
	if n < 1 {
		return 0, fmt.Errorf("must be at least 1")
	}
	return n, nil
}

// parseBeamMillis parses Beam's milliseconds, where -1 means "off" or
// "Flink's default" (returned as 0). When checkpointTime, a value below
// Flink's 10 ms is an error.
func parseBeamMillis(v string, checkpointTime bool) (time.Duration, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	switch {
	case err != nil:
		return 0, fmt.Errorf("not an integer number of milliseconds")
	case n == -1:
		return 0, nil
	case n < 0:
		return 0, fmt.Errorf("must be -1 or not negative")
	}
	d, err := fromMillis(n)
	if err != nil {
		return 0, err
	}
	if checkpointTime && d < MinCheckpointTime {
		return 0, fmt.Errorf("must be at least %v (or -1)", MinCheckpointTime)
	}
	return d, nil
}

// maxMillis is the most milliseconds a time.Duration holds (about 292
// years).
const maxMillis = math.MaxInt64 / int64(time.Millisecond)

// fromMillis converts non-negative milliseconds to a Duration, an error
// when they overflow one (Beam takes a Java long: 288230376151721744 ms is
// a valid Beam value that no Duration can hold).
func fromMillis(n int64) (time.Duration, error) {
	if n > maxMillis {
		return 0, fmt.Errorf("overflows a duration (at most %d ms, about 292 years)", maxMillis)
	}
	return time.Duration(n) * time.Millisecond, nil
}

// parseFlinkCheckpointTime parses a Flink duration of at least 10 ms.
func parseFlinkCheckpointTime(v string) (time.Duration, error) {
	d, err := ParseFlinkDuration(v)
	if err != nil {
		return 0, err
	}
	if d < MinCheckpointTime {
		return 0, fmt.Errorf("must be at least %v", MinCheckpointTime)
	}
	return d, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("must be true or false")
}

func parseMaxConcurrent(s *Settings, v string) error {
	n, err := parseCount(v)
	if err != nil {
		return err
	}
	if n > 1<<31-1 {
		return fmt.Errorf("too large")
	}
	s.MaxConcurrent = int(n)
	return nil
}

func parseMode(s *Settings, v string) error {
	m := Mode(strings.ToUpper(strings.TrimSpace(v)))
	if m != ExactlyOnce && m != AtLeastOnce {
		return fmt.Errorf("must be EXACTLY_ONCE or AT_LEAST_ONCE")
	}
	s.Mode = m
	return nil
}
