package checkpointing_test

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

// roundTrips are settings every renderer must round-trip.
var roundTrips = []struct {
	name string
	s    checkpointing.Settings
}{
	{"zero is Beam's defaults", checkpointing.Settings{}},
	{"seed", checkpointing.Settings{MaxBundleSize: 10_000, MaxBundleTime: 10 * time.Second, Interval: 10 * time.Second, Timeout: time.Minute}},
	{"every field", checkpointing.Settings{
		MaxBundleSize: 5000, MaxBundleTime: 1500 * time.Millisecond, FinishBundleBeforeCheckpointing: true,
		Interval: 90 * time.Second, Timeout: 3 * time.Minute, MinPause: 45 * time.Second, MaxConcurrent: 2,
		Unaligned: true, Mode: checkpointing.ExactlyOnce,
	}},
	{"at least once, odd millis", checkpointing.Settings{Interval: 12_345 * time.Millisecond, Timeout: 2 * time.Hour, Mode: checkpointing.AtLeastOnce}},
	{"explicit defaults", checkpointing.BeamDefaults()},
}

func TestBeamArgsRoundTrip(t *testing.T) {
	for _, tc := range roundTrips {
		args, err := tc.s.BeamArgs()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(args) != len(checkpointing.Fields()) {
			t.Errorf("%s: %d args, want one per field: %v", tc.name, len(args), args)
		}
		got, rest, err := checkpointing.ParseBeamArgs(args)
		if err != nil || len(rest) != 0 || got != tc.s.Effective() {
			t.Errorf("%s: ParseBeamArgs(%v) = %+v, %v, %v; want %+v", tc.name, args, got, rest, err, tc.s.Effective())
		}
	}
}

func TestFlinkConfigRoundTrip(t *testing.T) {
	for _, tc := range roundTrips {
		conf, err := tc.s.FlinkConfig()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := checkpointing.ParseFlinkConfig(conf)
		want := tc.s.Effective()
		// Bundle options are Beam's only: they come back as defaults.
		want.MaxBundleSize, want.MaxBundleTime, want.FinishBundleBeforeCheckpointing = checkpointing.DefaultMaxBundleSize, checkpointing.DefaultMaxBundleTime, false
		if err != nil || got != want {
			t.Errorf("%s: ParseFlinkConfig(%v) = %+v, %v; want %+v", tc.name, conf, got, err, want)
		}
		if _, ok := conf[checkpointing.FlinkInterval]; ok != tc.s.Enabled() {
			t.Errorf("%s: interval key present = %v, want %v", tc.name, ok, tc.s.Enabled())
		}
	}
}

func TestFlinkConfigCanonical(t *testing.T) {
	s := checkpointing.Settings{Interval: 10 * time.Second, Timeout: time.Minute, MinPause: 1500 * time.Millisecond, Unaligned: true}
	got, err := s.FlinkConfig()
	want := map[string]string{
		"execution.checkpointing.interval":                   "10 s",
		"execution.checkpointing.timeout":                    "1 min",
		"execution.checkpointing.min-pause":                  "1500 ms",
		"execution.checkpointing.max-concurrent-checkpoints": "1",
		"execution.checkpointing.unaligned.enabled":          "true",
		"execution.checkpointing.unaligned":                  "true",
		"execution.checkpointing.mode":                       "EXACTLY_ONCE",
	}
	if err != nil || !maps.Equal(got, want) {
		t.Errorf("FlinkConfig = %v, %v; want %v", got, err, want)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		s     checkpointing.Settings
		field string // "" when valid
	}{
		{"zero", checkpointing.Settings{}, ""},
		{"negative bundle size", checkpointing.Settings{MaxBundleSize: -1}, "maxBundleSize"},
		{"negative bundle time", checkpointing.Settings{MaxBundleTime: -time.Second}, "maxBundleTimeMills"},
		{"sub-millisecond bundle time", checkpointing.Settings{MaxBundleTime: 1500 * time.Microsecond}, "maxBundleTimeMills"},
		{"interval below 10 ms", checkpointing.Settings{Interval: 5 * time.Millisecond}, "checkpointingInterval"},
		{"negative interval", checkpointing.Settings{Interval: -time.Second}, "checkpointingInterval"},
		{"interval of exactly 10 ms", checkpointing.Settings{Interval: 10 * time.Millisecond}, ""},
		{"timeout below 10 ms", checkpointing.Settings{Timeout: time.Millisecond}, "checkpointTimeoutMillis"},
		{"negative min pause", checkpointing.Settings{MinPause: -time.Millisecond}, "minPauseBetweenCheckpoints"},
		{"negative concurrency", checkpointing.Settings{MaxConcurrent: -1}, "numConcurrentCheckpoints"},
		{"unknown mode", checkpointing.Settings{Mode: "SOMETIMES"}, "checkpointingMode"},
		{"unaligned at least once", checkpointing.Settings{Unaligned: true, Mode: checkpointing.AtLeastOnce}, "unalignedCheckpointEnabled"},
	}
	for _, tc := range cases {
		err := tc.s.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var se *checkpointing.SettingError
		if !errors.Is(err, checkpointing.ErrInvalidConfig) || !errors.As(err, &se) || se.Name != tc.field {
			t.Errorf("%s: Validate() = %v, want a SettingError for %s", tc.name, err, tc.field)
		}
		if _, err := tc.s.BeamArgs(); !errors.Is(err, checkpointing.ErrInvalidConfig) {
			t.Errorf("%s: BeamArgs() error = %v", tc.name, err)
		}
		if _, err := tc.s.FlinkConfig(); !errors.Is(err, checkpointing.ErrInvalidConfig) {
			t.Errorf("%s: FlinkConfig() error = %v", tc.name, err)
		}
	}
}

func TestParseBeamArgs(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want func(*checkpointing.Settings) // applied to BeamDefaults; nil: an error
		rest []string
	}{
		{"none", nil, func(*checkpointing.Settings) {}, nil},
		{"foreign args kept in order", []string{"--runner=FlinkRunner", "--maxBundleSize=5", "-maxBundleSize=7", "--streaming"},
			func(s *checkpointing.Settings) { s.MaxBundleSize = 5 }, []string{"--runner=FlinkRunner", "-maxBundleSize=7", "--streaming"}},
		{"bare boolean is true", []string{"--unalignedCheckpointEnabled", "--finishBundleBeforeCheckpointing"},
			func(s *checkpointing.Settings) { s.Unaligned, s.FinishBundleBeforeCheckpointing = true, true }, nil},
		{"-1 means default", []string{"--checkpointingInterval=-1", "--checkpointTimeoutMillis=-1", "--minPauseBetweenCheckpoints=-1"},
			func(*checkpointing.Settings) {}, nil},
		{"mode in any case", []string{"--checkpointingMode=at_least_once"}, func(s *checkpointing.Settings) { s.Mode = checkpointing.AtLeastOnce }, nil},
		{"bundle size zero", []string{"--maxBundleSize=0"}, nil, nil},
		{"bundle size not a number", []string{"--maxBundleSize=lots"}, nil, nil},
		{"bundle size without value", []string{"--maxBundleSize"}, nil, nil},
		{"bundle time zero", []string{"--maxBundleTimeMills=0"}, nil, nil},
		{"interval zero", []string{"--checkpointingInterval=0"}, nil, nil},
		{"interval below 10 ms", []string{"--checkpointingInterval=5"}, nil, nil},
		{"timeout -2", []string{"--checkpointTimeoutMillis=-2"}, nil, nil},
		{"boolean yes", []string{"--finishBundleBeforeCheckpointing=yes"}, nil, nil},
		{"unknown mode", []string{"--checkpointingMode=BOTH"}, nil, nil},
		{"concurrency zero", []string{"--numConcurrentCheckpoints=0"}, nil, nil},
		{"repeated", []string{"--maxBundleSize=5", "--maxBundleSize=6"}, nil, nil},
		{"unaligned with at least once", []string{"--unalignedCheckpointEnabled=true", "--checkpointingMode=AT_LEAST_ONCE"}, nil, nil},
		// Milliseconds beyond a Duration wrapped around: 2^58 + 10,000 ms read as 10 s.
		{"interval overflows a duration", []string{"--checkpointingInterval=288230376151721744"}, nil, nil},
		{"timeout overflows a duration", []string{"--checkpointTimeoutMillis=288230376151721744"}, nil, nil},
		{"timeout MaxInt64 ms", []string{"--checkpointTimeoutMillis=9223372036854775807"}, nil, nil},
		{"min pause overflows a duration", []string{"--minPauseBetweenCheckpoints=18446744073709552"}, nil, nil},
		{"bundle time overflows a duration", []string{"--maxBundleTimeMills=18446744073709551"}, nil, nil},
		{"bundle time wraps to a whole duration", []string{"--maxBundleTimeMills=288230376151721744"}, nil, nil},
		{"the most milliseconds a duration holds", []string{"--checkpointTimeoutMillis=9223372036854", "--maxBundleTimeMills=9223372036854"},
			func(s *checkpointing.Settings) {
				s.Timeout, s.MaxBundleTime = 9223372036854*time.Millisecond, 9223372036854*time.Millisecond
			}, nil},
	}
	for _, tc := range cases {
		got, rest, err := checkpointing.ParseBeamArgs(tc.args)
		if tc.want == nil {
			if !errors.Is(err, checkpointing.ErrInvalidConfig) {
				t.Errorf("%s: ParseBeamArgs(%v) error = %v, want ErrInvalidConfig", tc.name, tc.args, err)
			}
			continue
		}
		want := checkpointing.BeamDefaults()
		tc.want(&want)
		if err != nil || got != want || !slices.Equal(rest, tc.rest) {
			t.Errorf("%s: ParseBeamArgs(%v) = %+v, %v, %v; want %+v, %v", tc.name, tc.args, got, rest, err, want, tc.rest)
		}
	}
}

func TestParseFlinkConfig(t *testing.T) {
	cases := []struct {
		name string
		conf map[string]string
		want func(*checkpointing.Settings) // nil: an error
	}{
		{"empty: off", map[string]string{}, func(*checkpointing.Settings) {}},
		{"forms of durations", map[string]string{"execution.checkpointing.interval": "10000", "execution.checkpointing.timeout": "2min",
			"execution.checkpointing.min-pause": " 5 S "}, func(s *checkpointing.Settings) {
			s.Interval, s.Timeout, s.MinPause = 10*time.Second, 2*time.Minute, 5*time.Second
		}},
		{"new unaligned key", map[string]string{"execution.checkpointing.unaligned.enabled": "TRUE"}, func(s *checkpointing.Settings) { s.Unaligned = true }},
		{"both unaligned keys agree", map[string]string{"execution.checkpointing.unaligned.enabled": "true", "execution.checkpointing.unaligned": "True"},
			func(s *checkpointing.Settings) { s.Unaligned = true }},
		{"unknown keys ignored", map[string]string{"state.backend.type": "rocksdb", "execution.checkpointing.mode": "at_least_once"},
			func(s *checkpointing.Settings) { s.Mode = checkpointing.AtLeastOnce }},
		{"unaligned keys disagree", map[string]string{"execution.checkpointing.unaligned.enabled": "true", "execution.checkpointing.unaligned": "false"}, nil},
		{"interval zero", map[string]string{"execution.checkpointing.interval": "0 ms"}, nil},
		{"interval unknown unit", map[string]string{"execution.checkpointing.interval": "1 fortnight"}, nil},
		{"timeout not a number", map[string]string{"execution.checkpointing.timeout": "soon"}, nil},
		{"negative min pause", map[string]string{"execution.checkpointing.min-pause": "-5 s"}, nil},
		{"concurrency zero", map[string]string{"execution.checkpointing.max-concurrent-checkpoints": "0"}, nil},
		{"unknown mode", map[string]string{"execution.checkpointing.mode": "maybe"}, nil},
		{"unaligned with at least once", map[string]string{"execution.checkpointing.unaligned": "true", "execution.checkpointing.mode": "AT_LEAST_ONCE"}, nil},
		{"interval overflows a duration", map[string]string{"execution.checkpointing.interval": "288230376151721744"}, nil},
		{"timeout overflows a duration", map[string]string{"execution.checkpointing.timeout": "9223372036855 ms"}, nil},
		{"min pause overflows a duration", map[string]string{"execution.checkpointing.min-pause": "106752 d"}, nil},
	}
	for _, tc := range cases {
		got, err := checkpointing.ParseFlinkConfig(tc.conf)
		if tc.want == nil {
			if !errors.Is(err, checkpointing.ErrInvalidConfig) {
				t.Errorf("%s: error = %v, want ErrInvalidConfig", tc.name, err)
			}
			continue
		}
		want := checkpointing.BeamDefaults()
		tc.want(&want)
		if err != nil || got != want {
			t.Errorf("%s: ParseFlinkConfig(%v) = %+v, %v; want %+v", tc.name, tc.conf, got, err, want)
		}
	}
}

func TestFieldNames(t *testing.T) {
	for _, f := range checkpointing.Fields() {
		if f.BeamOption() == "" || !checkpointing.IsBeamOption(f.BeamOption()) {
			t.Errorf("%d: Beam option %q is not a known Beam option", f, f.BeamOption())
		}
		bundle := f <= checkpointing.FieldFinishBundleBeforeCheckpointing
		if (f.FlinkKey() == "") != bundle {
			t.Errorf("%s: Flink key %q", f, f.FlinkKey())
		}
	}
	if got := checkpointing.Field(99).String(); got != "Field(99)" {
		t.Errorf("unknown field = %q", got)
	}
}
