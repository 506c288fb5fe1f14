package checkpointing_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/checkpointing"
)

// FuzzParseBeamArgs parses newline-separated Beam arguments. A result is
// either an error wrapping ErrInvalidConfig or effective, valid settings
// that render back to themselves, keep every foreign argument in order,
// and hold exactly the number given for each integer option (a value that
// does not fit, such as 288230376151721744 ms, is an error, never a
// wrapped-around duration).
func FuzzParseBeamArgs(f *testing.F) {
	for _, seed := range []string{
		"",
		"--maxBundleSize=10000\n--maxBundleTimeMills=10000\n--finishBundleBeforeCheckpointing",
		"--checkpointingInterval=10000\n--checkpointTimeoutMillis=60000\n--minPauseBetweenCheckpoints=5000\n--numConcurrentCheckpoints=1",
		"--checkpointingInterval=-1\n--checkpointTimeoutMillis=-1\n--minPauseBetweenCheckpoints=-1",
		"--unalignedCheckpointEnabled=true\n--checkpointingMode=AT_LEAST_ONCE",
		"--checkpointingInterval=288230376151721744",
		"--checkpointTimeoutMillis=9223372036854775807\n--maxBundleTimeMills=9223372036854",
		"--minPauseBetweenCheckpoints=18446744073709551\n--numConcurrentCheckpoints=2147483648",
		"--runner=FlinkRunner\n--streaming\n-maxBundleSize=7\n--maxBundleSize= 5 ",
		"--maxBundleSize=5\n--maxBundleSize=5",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\n")
		s, rest, err := checkpointing.ParseBeamArgs(args)
		if err != nil {
			if !errors.Is(err, checkpointing.ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			return
		}
		if err := s.Validate(); err != nil || s != s.Effective() {
			t.Fatalf("settings %+v not valid and effective: %v", s, err)
		}
		rendered, err := s.BeamArgs()
		if err != nil {
			t.Fatalf("BeamArgs: %v", err)
		}
		again, _, err := checkpointing.ParseBeamArgs(rendered)
		if err != nil || again != s {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, s)
		}
		if !isSubsequence(rest, args) {
			t.Fatalf("rest %q is not a subsequence of %q", rest, args)
		}
		checkNumbersKept(t, args, rendered)
	})
}

// checkNumbersKept checks that every "--name=N" of args with N an integer
// renders back as N (or -1 still means default).
func checkNumbersKept(t *testing.T, args, rendered []string) {
	t.Helper()
	out := map[string]string{}
	for _, r := range rendered {
		name, value, _ := strings.Cut(strings.TrimPrefix(r, "--"), "=")
		out[name] = value
	}
	for _, a := range args {
		name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		got, known := out[name]
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if !ok || !known || !strings.HasPrefix(a, "--") || err != nil || n == -1 {
			continue
		}
		if got != strconv.FormatInt(n, 10) {
			t.Fatalf("%s: given %d, parsed as %s", name, n, got)
		}
	}
}

func isSubsequence(sub, of []string) bool {
	for _, s := range sub {
		i := slices.Index(of, s)
		if i < 0 {
			return false
		}
		of = of[i+1:]
	}
	return true
}

// flinkKeys are the keys FuzzParseFlinkConfig may set, in the order of its
// arguments.
var flinkKeys = []string{
	checkpointing.FlinkInterval, checkpointing.FlinkTimeout, checkpointing.FlinkMinPause,
	checkpointing.FlinkMaxConcurrent, checkpointing.FlinkUnaligned, checkpointing.FlinkUnalignedLegacy, checkpointing.FlinkMode,
}

// FuzzParseFlinkConfig parses Flink configuration entries (present as the
// bits of present say). A result is either an error wrapping
// ErrInvalidConfig or effective, valid settings that render back to
// themselves, with each duration key exactly what ParseFlinkDuration
// reads.
func FuzzParseFlinkConfig(f *testing.F) {
	f.Add(uint8(0), "", "", "", "", "", "", "")
	f.Add(uint8(0x7f), "10 s", "1 min", "5000", "1", "true", "TRUE", "exactly_once")
	f.Add(uint8(0x07), "288230376151721744", "9223372036855 ms", "106752 d", "", "", "", "")
	f.Add(uint8(0x30), "", "", "", "", "true", "false", "")
	f.Add(uint8(0x51), "10s", "", "", "", "true", "", "AT_LEAST_ONCE")
	f.Add(uint8(0x0f), "9 ms", "1 µs", " 5 S ", "2147483648", "", "", "")
	f.Fuzz(func(t *testing.T, present uint8, interval, timeout, minPause, maxConc, unaligned, legacy, mode string) {
		values := []string{interval, timeout, minPause, maxConc, unaligned, legacy, mode}
		conf := map[string]string{}
		for i, k := range flinkKeys {
			if present&(1<<i) != 0 {
				conf[k] = values[i]
			}
		}
		s, err := checkpointing.ParseFlinkConfig(conf)
		if err != nil {
			if !errors.Is(err, checkpointing.ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			return
		}
		if err := s.Validate(); err != nil || s != s.Effective() {
			t.Fatalf("settings %+v not valid and effective: %v", s, err)
		}
		rendered, err := s.FlinkConfig()
		if err != nil {
			t.Fatalf("FlinkConfig: %v", err)
		}
		if again, err := checkpointing.ParseFlinkConfig(rendered); err != nil || again != s {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, s)
		}
		fields := []time.Duration{s.Interval, s.Timeout, s.MinPause}
		for i, k := range flinkKeys[:3] {
			if v, ok := conf[k]; ok {
				if d, err := checkpointing.ParseFlinkDuration(v); err != nil || d != fields[i] {
					t.Fatalf("%s=%q read as %v; ParseFlinkDuration gives %v, %v", k, v, fields[i], d, err)
				}
			}
		}
	})
}

// FuzzParseFlinkDuration parses a Flink duration: an error wrapping
// ErrInvalidConfig or a non-negative duration that, in whole milliseconds,
// formats and parses back to itself; a bare number is milliseconds.
func FuzzParseFlinkDuration(f *testing.F) {
	for _, seed := range []string{"10 s", "10s", "10000 ms", "10000", "1 min", "2 Hours", "500 µs", "0", "", "-1 s",
		"9223372036854775807 ns", "9223372036855 ms", "106752 d", "1.5 s", "١٠ s", "10 fortnights"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, err := checkpointing.ParseFlinkDuration(v)
		if err != nil {
			if !errors.Is(err, checkpointing.ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseFlinkDuration(%q) = %v, negative", v, d)
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && d != time.Duration(n)*time.Millisecond {
			t.Fatalf("ParseFlinkDuration(%q) = %v, want %d ms", v, d, n)
		}
		ms := d.Truncate(time.Millisecond)
		if back, err := checkpointing.ParseFlinkDuration(checkpointing.FormatFlinkDuration(ms)); err != nil || back != ms {
			t.Fatalf("FormatFlinkDuration(%v) = %q reads back as %v, %v", ms, checkpointing.FormatFlinkDuration(ms), back, err)
		}
	})
}

// FuzzAnalyzeOptions analyses any document. A result is either an error
// wrapping ErrInvalidInput (ErrInvalidConfig for a negative Copies) or a
// report whose figures are consistent: the document's compact size,
// application bytes between 0 and that size and 0 exactly when there are
// no application keys, savings never negative, a Trimmed document that is
// JSON of TrimmedBytes and holds no application value when analysed again.
func FuzzAnalyzeOptions(f *testing.F) {
	// The seed's shape (seedOptions) in small: its 33 KB slow the fuzzer.
	f.Add([]byte(`{"options":{"runner":"org.apache.beam.runners.flink.FlinkRunner","streaming":true,"enrichmentRules":"[\"a=b\"]"},`+
		`"display_data":[{"namespace":"org.apache.beam.sdk.options.PipelineOptions","key":"runner","type":"JAVA_CLASS","value":"org.apache.beam.runners.flink.FlinkRunner"},`+
		`{"namespace":"com.acme.clickstream.ClickstreamOptions","key":"enrichmentRules","type":"STRING","value":"[\"a=b\"]"}]}`), 400, "")
	for _, doc := range []string{
		`{}`, `{"runner":"FlinkRunner","myValue":"<a&b>"}`, `{"options":{"jobName":"j","app":[1,2]}}`,
		`{"options":{"gcpTempLocation":"gs://x","app":2},"display_data":[{"namespace":"org.apache.beam.X","key":"gcpTempLocation"},{"namespace":"com.acme.O","key":"app"}]}`,
		"{\"options\":{\"jobName\":\"j\"},\"\u2028\":1}", "{\"options\":{},\"\xff\":1}", `{"jobName":1,"jobName":2}`,
		`{"options":null,"x":1}`, `{"options":{},"display_data":null}`, `{"options":{},"display_data":[{"key":"ghost"}]}`,
		`not json`, `[1]`, `{"options":{},"display_data":[1]}`,
	} {
		f.Add([]byte(doc), 0, "myValue")
	}
	f.Add([]byte(`{"runner":"FlinkRunner","app":"value"}`), math.MaxInt, "")
	f.Add([]byte(`{}`), -1, "")
	f.Fuzz(func(t *testing.T, doc []byte, copies int, runnerOption string) {
		cfg := checkpointing.OptionsConfig{Copies: copies, RunnerOptions: []string{runnerOption}}
		r, err := checkpointing.AnalyzeOptions(doc, cfg)
		if err != nil {
			want := checkpointing.ErrInvalidInput
			if copies < 0 {
				want = checkpointing.ErrInvalidConfig
			}
			if !errors.Is(err, want) {
				t.Fatalf("error %v does not wrap %v", err, want)
			}
			return
		}
		checkReport(t, doc, r)
		again, err := checkpointing.AnalyzeOptions(r.Trimmed, cfg)
		if err != nil || len(again.Application) != 0 || again.ApplicationBytes != 0 {
			t.Fatalf("trimmed %s analysed again: application %q (%d bytes), %v", r.Trimmed, again.Application, again.ApplicationBytes, err)
		}
	})
}

func checkReport(t *testing.T, doc []byte, r checkpointing.OptionsReport) {
	t.Helper()
	var compact bytes.Buffer
	if err := json.Compact(&compact, doc); err != nil || r.TotalBytes != compact.Len() {
		t.Fatalf("TotalBytes %d, compact document %d bytes (%v)", r.TotalBytes, compact.Len(), err)
	}
	if r.ApplicationBytes < 0 || r.ApplicationBytes > r.TotalBytes || r.SavedPerCheckpoint < 0 {
		t.Fatalf("application %d of %d bytes, saved %d per checkpoint", r.ApplicationBytes, r.TotalBytes, r.SavedPerCheckpoint)
	}
	if none := len(r.Application) == 0; none != (r.ApplicationBytes == 0) || none != (r.SavedPerCheckpoint == 0) {
		t.Fatalf("application keys %q, %d bytes, %d saved per checkpoint", r.Application, r.ApplicationBytes, r.SavedPerCheckpoint)
	}
	if !json.Valid(r.Trimmed) || r.TrimmedBytes != len(r.Trimmed) || !slices.IsSorted(r.Application) {
		t.Fatalf("trimmed %q (%d bytes), application %q", r.Trimmed, r.TrimmedBytes, r.Application)
	}
	for _, e := range r.Entries {
		if e.Bytes <= 0 || slices.Contains(r.Application, e.Key) == e.Runner {
			t.Fatalf("entry %+v against application keys %q", e, r.Application)
		}
	}
}
