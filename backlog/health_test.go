package backlog_test

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
)

// step is one moment of a health scenario over virtual time: optionally an
// end offset and a commit observed, then the expected status.
type step struct {
	at     time.Duration
	end    int64 // -1: none observed at this step
	commit int64 // -1: no commit at this step
	want   backlog.Status
}

var key = backlog.TopicPartition("orders", 0)

func runHealth(t *testing.T, name string, cfg backlog.HealthConfig, steps []step) {
	t.Helper()
	h, err := backlog.NewHealth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		now := t0.Add(s.at)
		if s.end >= 0 {
			h.ObserveEnd(now, key, s.end)
		}
		if s.commit >= 0 {
			h.ObserveCommit(now, key, s.commit)
		}
		if got := h.Evaluate(now, key); got.Status != s.want {
			t.Errorf("%s: step %d (+%v): %s (%s), want %s", name, i, s.at, got.Status, got.Detail, s.want)
		}
	}
}

func TestHealth(t *testing.T) {
	sec := time.Second
	cfg := backlog.HealthConfig{Window: 4, MinSpan: 30 * sec}
	scenarios := []struct {
		name  string
		steps []step
	}{
		{"nothing observed", []step{{0, -1, -1, backlog.StatusUnknown}}},
		{"progressing", []step{
			{0, 100, 50, backlog.StatusOK}, {10 * sec, 200, 150, backlog.StatusOK},
			{20 * sec, 300, 280, backlog.StatusOK}, {30 * sec, 400, 390, backlog.StatusOK},
		}},
		{"lag growing at every commit: WARN", []step{
			{0, 100, 90, backlog.StatusOK}, {10 * sec, 200, 170, backlog.StatusOK},
			{20 * sec, 300, 250, backlog.StatusWarn}, {30 * sec, 400, 330, backlog.StatusWarn},
			{40 * sec, 450, 440, backlog.StatusOK}, // caught up almost: lag 10 < 70
		}},
		{"same offset committed over the window while behind: STALL", []step{
			{0, 100, 50, backlog.StatusOK}, {5 * sec, 120, 50, backlog.StatusOK},
			{10 * sec, 140, 50, backlog.StatusStall}, {15 * sec, 160, 50, backlog.StatusStall},
		}},
		{"no commit for longer than the window while behind: STOP", []step{
			{0, 100, 50, backlog.StatusOK}, {10 * sec, 200, 150, backlog.StatusOK},
			{30 * sec, 300, -1, backlog.StatusOK}, {41 * sec, 300, -1, backlog.StatusStop},
		}},
		{"idle and caught up is OK, never STOP", []step{
			{0, 100, 100, backlog.StatusOK}, {time.Hour, 100, -1, backlog.StatusOK}, {24 * time.Hour, -1, -1, backlog.StatusOK},
		}},
		{"new data after a quiet hour, no commit: STOP once the silence since the lag appeared outlasts the window", []step{
			{0, 100, 100, backlog.StatusOK}, {time.Hour, 500, -1, backlog.StatusOK},
			{time.Hour + 30*sec, 600, -1, backlog.StatusOK}, {time.Hour + 31*sec, 600, -1, backlog.StatusStop},
		}},
		{"offset moved back: REWIND", []step{
			{0, 100, 80, backlog.StatusOK}, {10 * sec, 120, 40, backlog.StatusRewind},
		}},
		{"end offset never seen: unknown", []step{{0, -1, 10, backlog.StatusUnknown}}},
		// Issue 20, point 3: STALL needs lag at every commit in the window.
		{"re-commits while caught up, then one record: OK (was STALL)", []step{
			{0, 100, 100, backlog.StatusOK}, {5 * sec, 100, 100, backlog.StatusOK},
			{10 * sec, 100, 100, backlog.StatusOK}, {15 * sec, 100, 100, backlog.StatusOK},
			{20 * sec, 101, 100, backlog.StatusOK},
		}},
		{"re-commits while caught up, then the consumer dies: STOP, never STALL", []step{
			{0, 100, 100, backlog.StatusOK}, {5 * sec, 100, 100, backlog.StatusOK},
			{10 * sec, 100, 100, backlog.StatusOK}, {15 * sec, 101, 100, backlog.StatusOK},
			{40 * sec, 111, -1, backlog.StatusOK}, // silent 25 s since the lag appeared, window 30 s
			{46 * sec, 111, -1, backlog.StatusStop},
		}},
		// Point 4: REWIND only until the consumer is back where it was.
		{"rewind, then caught up: OK (was REWIND)", []step{
			{0, 100, 90, backlog.StatusOK}, {5 * sec, 100, 50, backlog.StatusRewind},
			{10 * sec, 100, 100, backlog.StatusOK},
		}},
		// Point 7: a commit seen before any end offset has no lag; it no
		// longer keeps WARN away while it is in the window.
		{"commit before any end offset, then a growing lag: WARN", []step{
			{0, -1, 10, backlog.StatusUnknown}, {10 * sec, 100, 20, backlog.StatusOK},
			{20 * sec, 200, 30, backlog.StatusOK}, {30 * sec, 300, 40, backlog.StatusWarn},
		}},
		// Point 5, a deliberate deviation: Burrow says WARN when the lag
		// does not decrease; a Flink job committing on checkpoints trails
		// its reads by a checkpoint's records at a steady rate.
		{"constant non-zero lag: OK (Burrow: WARN)", []step{
			{0, 110, 10, backlog.StatusOK}, {10 * sec, 120, 20, backlog.StatusOK},
			{20 * sec, 130, 30, backlog.StatusOK}, {30 * sec, 140, 40, backlog.StatusOK},
		}},
	}
	for _, sc := range scenarios {
		runHealth(t, sc.name, cfg, sc.steps)
	}
}

// A poller sees committed offsets only, not individual commits: an
// unchanged offset is no commit, so a frozen consumer goes STOP.
func TestHealthFromSnapshots(t *testing.T) {
	h, err := backlog.NewHealth(backlog.HealthConfig{Window: 3, MinSpan: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	snap := func(at time.Duration, end, committed int64) backlog.Snapshot {
		return backlog.Snapshot{Time: t0.Add(at), Partitions: []backlog.Partition{{
			Key: key, Offsets: backlog.Offsets{End: backlog.Known(end), Committed: backlog.Known(committed)},
		}}}
	}
	for i, s := range []struct {
		at        time.Duration
		end, comm int64
		want      backlog.Status
	}{
		{0, 100, 10, backlog.StatusOK},
		{10 * time.Second, 200, 10, backlog.StatusOK}, // unchanged: not a commit
		{20 * time.Second, 300, 10, backlog.StatusOK},
		{21 * time.Second, 300, 10, backlog.StatusStop}, // silent 21s > 20s while behind
		{30 * time.Second, 400, 390, backlog.StatusOK},  // it moved again
	} {
		h.Observe(snap(s.at, s.end, s.comm))
		got := h.Evaluate(t0.Add(s.at), key)
		if got.Status != s.want {
			t.Errorf("step %d: %s (%s), want %s", i, got.Status, got.Detail, s.want)
		}
	}
	all := h.EvaluateAll(t0.Add(30 * time.Second))
	if len(all) != 1 || all[0].Lag.String() != "10" {
		t.Errorf("EvaluateAll = %+v, want one partition with lag 10", all)
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[backlog.Status]string{
		backlog.StatusOK: "OK", backlog.StatusWarn: "WARN", backlog.StatusStall: "STALL",
		backlog.StatusStop: "STOP", backlog.StatusRewind: "REWIND", backlog.StatusUnknown: "UNKNOWN", 42: "Status(42)",
	} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", int(s), s.String(), want)
		}
	}
	if _, err := backlog.NewHealth(backlog.HealthConfig{Window: -1}); err == nil {
		t.Error("negative window accepted")
	}
}
