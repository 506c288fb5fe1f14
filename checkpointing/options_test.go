package checkpointing_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/flinkscale/flinkscale/checkpointing"
)

func TestAnalyzeSeedOptions(t *testing.T) {
	r := seedAnalysis()
	if want := []string{"enrichmentRules", "outputTopic", "schemaRegistryUrl"}; !slices.Equal(r.Application, want) {
		t.Errorf("Application = %v, want %v", r.Application, want)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, seedOptions()); err != nil {
		t.Fatal(err)
	}
	if r.TotalBytes != compact.Len() || r.TrimmedBytes != len(r.Trimmed) || r.ApplicationBytes != r.TotalBytes-r.TrimmedBytes {
		t.Errorf("sizes: total %d (document %d), trimmed %d (%d), application %d", r.TotalBytes, compact.Len(), r.TrimmedBytes, len(r.Trimmed), r.ApplicationBytes)
	}
	if r.Copies != 400 || r.SavedPerCheckpoint != int64(r.ApplicationBytes)*400 {
		t.Errorf("copies %d, saved %d", r.Copies, r.SavedPerCheckpoint)
	}
	if top := r.Largest(1); len(top) != 1 || top[0].Key != "enrichmentRules" || top[0].Runner || top[0].Namespace != "com.acme.clickstream.ClickstreamOptions" {
		t.Errorf("Largest(1) = %+v", top)
	}
	if len(r.Largest(100)) != 18 || len(r.Largest(-1)) != 0 {
		t.Errorf("Largest: %d entries", len(r.Largest(100)))
	}
	total := 0
	for i, e := range r.Entries {
		total += e.Bytes
		if i > 0 && e.Bytes > r.Entries[i-1].Bytes {
			t.Errorf("entries not largest first at %d", i)
		}
	}
	if total > r.TotalBytes || total < r.TotalBytes*9/10 {
		t.Errorf("entries sum to %d of %d bytes", total, r.TotalBytes)
	}
	// Trimming is idempotent: the trimmed document has no application values.
	again, err := checkpointing.AnalyzeOptions(r.Trimmed, checkpointing.OptionsConfig{})
	if err != nil || len(again.Application) != 0 || again.TotalBytes != r.TrimmedBytes || again.TrimmedBytes != r.TrimmedBytes {
		t.Errorf("re-analysed trimmed document: %+v, %v", again, err)
	}
}

func TestAnalyzeOptions(t *testing.T) {
	cases := []struct {
		name        string
		doc         string
		cfg         checkpointing.OptionsConfig
		application []string
		trimmed     string
	}{
		{"flat object", `{"runner": "FlinkRunner", "myValue": "<a&b>"}`, checkpointing.OptionsConfig{},
			[]string{"myValue"}, `{"runner":"FlinkRunner"}`},
		{"declared runner option", `{"runner":"FlinkRunner","myValue":1}`, checkpointing.OptionsConfig{RunnerOptions: []string{"myValue"}},
			nil, `{"myValue":1,"runner":"FlinkRunner"}`},
		{"Beam namespace makes a runner option", `{"options":{"gcpTempLocation":"gs://x","app":2},"display_data":[` +
			`{"namespace":"org.apache.beam.sdk.extensions.gcp.options.GcpOptions","key":"gcpTempLocation","type":"STRING","value":"gs://x"},` +
			`{"namespace":"com.acme.Options","key":"app","type":"INTEGER","value":2}]}`, checkpointing.OptionsConfig{},
			[]string{"app"}, `{"display_data":[{"namespace":"org.apache.beam.sdk.extensions.gcp.options.GcpOptions","key":"gcpTempLocation","type":"STRING","value":"gs://x"}],"options":{"gcpTempLocation":"gs://x"}}`},
		{"options without display data", `{"options":{"jobName":"j","app":[1,2]}}`, checkpointing.OptionsConfig{},
			[]string{"app"}, `{"options":{"jobName":"j"}}`},
		{"empty", `{}`, checkpointing.OptionsConfig{}, nil, `{}`},
		{"no HTML escaping, as Jackson", `{"jobName":"a&b<c>","x":1}`, checkpointing.OptionsConfig{}, []string{"x"}, `{"jobName":"a&b<c>"}`},
	}
	for _, tc := range cases {
		r, err := checkpointing.AnalyzeOptions([]byte(tc.doc), tc.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var compact bytes.Buffer
		_ = json.Compact(&compact, []byte(tc.doc))
		if !slices.Equal(r.Application, tc.application) || r.TotalBytes != compact.Len() || string(r.Trimmed) != tc.trimmed {
			t.Errorf("%s: application %v, total %d, trimmed %s; want %v, %d, %s", tc.name, r.Application, r.TotalBytes, r.Trimmed, tc.application, compact.Len(), tc.trimmed)
		}
	}
}

func TestAnalyzeOptionsErrors(t *testing.T) {
	for _, doc := range []string{``, `not json`, `[1,2]`, `"s"`, `null`, `{"options":{},"display_data":{}}`, `{"options":{},"display_data":[1]}`} {
		if _, err := checkpointing.AnalyzeOptions([]byte(doc), checkpointing.OptionsConfig{}); !errors.Is(err, checkpointing.ErrInvalidInput) {
			t.Errorf("AnalyzeOptions(%q) error = %v, want ErrInvalidInput", doc, err)
		}
	}
	if _, err := checkpointing.AnalyzeOptions([]byte(`{}`), checkpointing.OptionsConfig{Copies: -1}); !errors.Is(err, checkpointing.ErrInvalidConfig) {
		t.Errorf("negative copies: %v", err)
	}
}

// TestAnalyzeOptionsNeverNegative: the bytes trimming saves are measured
// with both documents written alike, so a document written differently
// from Go's encoder (a key Go escapes, invalid UTF-8, a duplicate key)
// never gives negative bytes (seen: -3) nor savings without application
// keys, and a huge Copies saturates instead of wrapping.
func TestAnalyzeOptionsNeverNegative(t *testing.T) {
	cases := []struct {
		name        string
		doc         string
		copies      int
		application int   // application keys
		saved       int64 // -1: any positive figure
	}{
		{"top-level key Go escapes (U+2028)", "{\"options\":{\"jobName\":\"j\"},\"\u2028\":1}", 0, 0, 0},
		{"top-level key not UTF-8", "{\"options\":{\"jobName\":\"j\"},\"\xff\":1}", 0, 0, 0},
		{"duplicate runner key", `{"jobName":"a-long-name","jobName":"b"}`, 0, 0, 0},
		{"duplicate runner key in options", `{"options":{"jobName":1,"jobName":2},"display_data":[]}`, 0, 0, 0},
		{"application key Go escapes", "{\"app\u2028key\":1}", 0, 1, -1},
		{"huge Copies saturates", `{"runner":"FlinkRunner","app":"value"}`, math.MaxInt, 1, math.MaxInt64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := checkpointing.AnalyzeOptions([]byte(tc.doc), checkpointing.OptionsConfig{Copies: tc.copies})
			if err != nil {
				t.Fatal(err)
			}
			if r.ApplicationBytes < 0 || r.ApplicationBytes > r.TotalBytes || r.SavedPerCheckpoint < 0 {
				t.Errorf("application %d of %d bytes, saved %d: want 0 to the total, saved not negative", r.ApplicationBytes, r.TotalBytes, r.SavedPerCheckpoint)
			}
			if len(r.Application) != tc.application || (tc.application == 0) != (r.ApplicationBytes == 0) {
				t.Errorf("application keys %q take %d bytes; want %d keys, bytes only with keys", r.Application, r.ApplicationBytes, tc.application)
			}
			if (tc.saved >= 0 && r.SavedPerCheckpoint != tc.saved) || (tc.saved < 0 && r.SavedPerCheckpoint <= 0) {
				t.Errorf("saved %d per checkpoint, want %d", r.SavedPerCheckpoint, tc.saved)
			}
		})
	}
}
