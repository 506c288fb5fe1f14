package checkpointing

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// defaultRow is one documented default: the field, the text after
// "Default:" in its godoc ("" when a neighbour's doc states it), and the
// value in effect when the field is left zero.
type defaultRow struct {
	field, doc string
	got, want  any
}

// TestConfigDefaults checks every field documented with "Default: X" of
// every configuration type against X, as the zero value's effective
// value: read from what the constructors keep (New... of the zero Config)
// or from behaviour where the defaults are applied inside a function.
func TestConfigDefaults(t *testing.T) {
	bundle, err := NewBundlePolicy(BundlePolicyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := NewCheckpointPolicy(CheckpointPolicyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	adv, err := NewAdvisor(AdvisorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	advPolicy, _ := adv.cfg.Policy.(*DefaultCheckpointPolicy)
	opts, err := AnalyzeOptions([]byte(`{"runner":"FlinkRunner","x":1}`), OptionsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	size, err := EstimateSize(Settings{}, SizeInputs{ElementBytes: 1, OptionsBytes: 1, Operators: 1})
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := FixedBundles{}.Choose(BundleWorkload{})
	if err != nil {
		t.Fatal(err)
	}
	eff := Settings{}.Effective()
	tables := map[string][]defaultRow{
		"BundlePolicyConfig": {
			{"MaxOverheadShare", "0.05", bundle.cfg.MaxOverheadShare, 0.05},
			{"MaxCheckpointBytes", "256 KiB", bundle.cfg.MaxCheckpointBytes, int64(256 << 10)},
			{"MaxSize", "100,000", bundle.cfg.MaxSize, int64(100_000)},
		},
		"CheckpointPolicyConfig": {
			{"TimeoutHeadroom", "3", policy.cfg.TimeoutHeadroom, 3.0},
			{"MinTimeout", "1 min", policy.cfg.MinTimeout, time.Minute},
			{"MinPauseShare", "0.5", policy.cfg.MinPauseShare, 0.5},
			{"MinInterval", "1 s", policy.cfg.MinInterval, time.Second},
			{"Granularity", "1 s", policy.cfg.Granularity, time.Second},
			{"WriteBandwidth", "50 MB/s and 1 s", policy.cfg.WriteBandwidth, 50e6},
			{"BaseDuration", "", policy.cfg.BaseDuration, time.Second},
			{"NearTimeout", "0.5", policy.cfg.NearTimeout, 0.5},
		},
		"AdvisorConfig": {
			{"Policy", "DefaultCheckpointPolicy with its defaults", advPolicy != nil && advPolicy.cfg == policy.cfg, true},
			{"RecoveryObjective", "1 min", adv.cfg.RecoveryObjective, time.Minute},
			{"RepeatedTimeouts", "2", adv.cfg.RepeatedTimeouts, 2},
			{"StaleIntervals", "3", adv.cfg.StaleIntervals, 3},
			{"GrowthThreshold", "0.25", adv.cfg.GrowthThreshold, 0.25},
			{"MinGrowthPoints", "5", adv.cfg.MinGrowthPoints, 5},
			{"LongAlignment", "10 s", adv.cfg.LongAlignment, 10 * time.Second},
			{"LargeInFlight", "256 KiB", adv.cfg.LargeInFlight, int64(256 << 10)},
			{"LargeOptions", "64 KiB", adv.cfg.LargeOptions, int64(64 << 10)},
		},
		"OptionsConfig": {
			{"RunnerOptions", "none", opts.Application, []string{"x"}}, // only Beam's own options are runner options
			{"Copies", "1", opts.Copies, 1},
		},
		"Settings": {
			{"MaxBundleSize", "1000", eff.MaxBundleSize, int64(1000)},
			{"MaxBundleTime", "1 s", eff.MaxBundleTime, time.Second},
			{"FinishBundleBeforeCheckpointing", "false", eff.FinishBundleBeforeCheckpointing, false},
			{"Interval", "0, checkpointing off (Beam's -1; the Flink key absent)", eff.Interval, time.Duration(0)},
			{"Timeout", "10 min, Flink's default (Beam's -1)", eff.Timeout, 10 * time.Minute},
			{"MinPause", "0 (Beam's -1)", eff.MinPause, time.Duration(0)},
			{"MaxConcurrent", "1", eff.MaxConcurrent, 1},
			{"Unaligned", "false", eff.Unaligned, false},
			{"Mode", "ExactlyOnce", eff.Mode, ExactlyOnce},
		},
		"SizeInputs": {
			{"InFlightElements", "a full bundle, the settings' MaxBundleSize (the worst case)", size.InFlight, int64(1000)},
			{"SerializersPerOperator", "1", size.Options, int64(1)},
			{"Pipelines", "1", size.Pipelines, 1},
		},
		"FixedBundles": {
			{"MaxSize", "1000", fixed.MaxSize, int64(1000)},
			{"MaxTime", "1 s", fixed.MaxTime, time.Second},
			{"FinishBundleBeforeCheckpointing", "false", fixed.FinishBundleBeforeCheckpointing, false},
		},
		"BundleWorkload": {
			{"BundleOverhead", "0", fixed.TradeOff, mustEvaluate(t, BundleWorkload{BundleOverhead: 0})},
		},
		"Facts": {
			{"InFlightElements", "a full bundle (Settings.MaxBundleSize)", factsInFlight(t, Facts{ElementBytes: 1}), factsInFlight(t, Facts{ElementBytes: 1, InFlightElements: 1000})},
			{"Pipelines", "1", factsInFlight(t, Facts{ElementBytes: 1}), factsInFlight(t, Facts{ElementBytes: 1, Pipelines: 1})},
		},
	}
	for typ, rows := range tables {
		checkDefaults(t, typ, rows)
	}
}

// mustEvaluate evaluates Beam's default bundles for w.
func mustEvaluate(t *testing.T, w BundleWorkload) BundleTradeOff {
	t.Helper()
	tr, err := EvaluateBundle(Settings{}, w)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// factsInFlight returns the evidence of the large-in-flight-buffers
// finding for facts f, which the facts' defaults shape.
func factsInFlight(t *testing.T, f Facts) []Evidence {
	t.Helper()
	adv, _ := NewAdvisor(AdvisorConfig{LargeInFlight: 1})
	obs := Observation{Settings: Settings{Interval: 10 * time.Second}, Facts: f}
	findings, err := adv.Advise(time.Unix(0, 0), obs)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range findings {
		if fd.Code == CodeLargeInFlightBuffers {
			return fd.Evidence
		}
	}
	t.Fatalf("no %s finding for %+v", CodeLargeInFlightBuffers, f)
	return nil
}

// checkDefaults checks rows against the godoc of typ's fields: every field
// documenting a default has a row with that text, and its value is the
// expected one.
func checkDefaults(t *testing.T, typ string, rows []defaultRow) {
	t.Helper()
	docs := documentedDefaults(t, typ)
	for _, r := range rows {
		if r.doc != "" && docs[r.field] != r.doc {
			t.Errorf("%s.%s: godoc says Default: %q, the table %q", typ, r.field, docs[r.field], r.doc)
		}
		delete(docs, r.field)
		if !reflect.DeepEqual(r.got, r.want) {
			t.Errorf("%s.%s: default is %v, documented %q (%v)", typ, r.field, r.got, r.doc, r.want)
		}
	}
	for f, d := range docs {
		t.Errorf("%s.%s documents Default: %q and has no row", typ, f, d)
	}
}

var defaultRE = regexp.MustCompile(`Defaults?: (.*?)\.(\s|$)`)

// documentedDefaults returns, per field of struct type typ declared in the
// package's non-test files, the text after "Default:" in its godoc, up to
// the end of that sentence.
func documentedDefaults(t *testing.T, typ string) map[string]string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	out := map[string]string{}
	found := false
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name != typ {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			found = true
			for _, fld := range st.Fields.List {
				m := defaultRE.FindStringSubmatch(strings.Join(strings.Fields(fld.Doc.Text()), " "))
				for _, id := range fld.Names {
					if m != nil {
						out[id.Name] = m[1]
					}
				}
			}
			return false
		})
	}
	if !found {
		t.Fatalf("no struct type %s in the package", typ)
	}
	return out
}
