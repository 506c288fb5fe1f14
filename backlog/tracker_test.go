package backlog_test

import (
	"sync"
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/backlog"
)

func TestTrackerEstimate(t *testing.T) {
	tr, err := backlog.NewTracker(backlog.TrackerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	k := backlog.TopicPartition("orders", 0)
	for i := int64(0); i < 10; i++ { // a reader saw offsets 0, 2, 4, ... of 100-byte records
		tr.ObserveRecord(k, 2*i, 100)
	}
	for i := range 4 { // 100 offsets per 10 s
		tr.ObserveEnd(t0.Add(time.Duration(i)*10*time.Second), k, int64(i)*100)
	}
	now := t0.Add(30 * time.Second)
	p := tr.Estimate(now, k, offsets(0, 300, 100), backlog.ResetLatest)
	if p.Records.String() != "100" || p.Bytes.String() != "10000" || p.TimeLag.String() != "20s" || p.NoCommit {
		t.Errorf("estimate = records %s bytes %s lag %s; want 100 (gap 1), 10000, 20s", p.Records, p.Bytes, p.TimeLag)
	}
	caught := tr.Estimate(now, k, offsets(0, 300, 300), backlog.ResetLatest)
	if caught.TimeLag.String() != "0s" || caught.Bytes.String() != "0" {
		t.Errorf("caught up: lag %s bytes %s, want 0s and 0", caught.TimeLag, caught.Bytes)
	}
	early := tr.Estimate(now, k, offsets(200, 300, -1), backlog.ResetEarliest)
	if early.Records.String() != "50" || !early.NoCommit || early.TimeLag.String() != "10s" {
		t.Errorf("no commit, earliest: records %s lag %s noCommit %v", early.Records, early.TimeLag, early.NoCommit)
	}
	beyond := tr.Estimate(now, k, offsets(0, 300, 900), backlog.ResetLatest)
	if beyond.Records.Reason() != backlog.CommittedBeyondEnd || beyond.TimeLag.Reason() != backlog.CommittedBeyondEnd || beyond.Bytes.Known() {
		t.Errorf("beyond end: %s %s %s", beyond.Records, beyond.TimeLag, beyond.Bytes)
	}
	tr.Forget(k)
	if p := tr.Estimate(now, k, offsets(0, 300, 100), backlog.ResetLatest); p.Bytes.Known() || p.TimeLag.Known() {
		t.Errorf("after Forget: %s %s, want unknown", p.Bytes, p.TimeLag)
	}
}

// Readers and evaluators use one Tracker concurrently (run with -race).
func TestTrackerConcurrentUse(t *testing.T) {
	tr, err := backlog.NewTracker(backlog.TrackerConfig{TimePoints: 8})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		k := backlog.TopicPartition("t", int32(g))
		wg.Go(func() {
			for i := range 500 {
				tr.ObserveRecord(k, int64(i), 10)
				tr.ObserveEnd(t0.Add(time.Duration(i)*time.Second), k, int64(i))
				tr.Estimate(t0.Add(time.Duration(i)*time.Second), k, offsets(0, int64(i), 0), backlog.ResetLatest)
			}
		})
	}
	wg.Wait()
	for _, cfg := range []backlog.TrackerConfig{{TimePoints: 1}, {GapWindow: -1}} {
		if _, err := backlog.NewTracker(cfg); err == nil {
			t.Errorf("NewTracker(%+v) accepted", cfg)
		}
	}
}

func TestTrackerForgetTopic(t *testing.T) {
	tr, _ := backlog.NewTracker(backlog.TrackerConfig{})
	a, b := backlog.TopicPartition("gone", 3), backlog.TopicPartition("kept", 3)
	for _, k := range []backlog.Key{a, b} {
		tr.ObserveSize(k, 100)
	}
	tr.ForgetTopic("gone")
	if p := tr.Estimate(t0, a, offsets(0, 10, 0), backlog.ResetLatest); p.Bytes.Known() {
		t.Errorf("forgotten topic still has sizes: %s", p.Bytes)
	}
	if p := tr.Estimate(t0, b, offsets(0, 10, 0), backlog.ResetLatest); p.Bytes.String() != "1000" {
		t.Errorf("other topic lost its sizes: %s", p.Bytes)
	}
}
