package slotalloc_test

import (
	"testing"

	"github.com/flinkscale/flinkscale/slotalloc"
)

// seedRequest is the seed's shape on n TaskManagers of 4 slots: one job
// of 1,000 pipelines x 3 vertices in one slot-sharing group, as Beam's
// Flink runner builds it, parallelism drawn from 1..224 (seeded), sources
// capped by their partitions (see seedJob), about 300,000 subtasks. The
// adaptive scheduler sizes a job's parallelism to the slots it has: 224
// is what the 56 TaskManagers of the smaller rescale offer, so every
// request here is valid.
func seedRequest(n int) slotalloc.Request {
	return slotalloc.Request{Vertices: seedJob(1, 1000, 224), TaskManagers: taskManagers(n, 4)}
}

// BenchmarkAllocate places the seed's shape on 64 TaskManagers x 4 slots
// and reports the plan's spread (max - min subtasks per TaskManager),
// imbalance (max / mean subtasks per TaskManager) and weight_imbalance
// (max / mean weight per TaskManager).
func BenchmarkAllocate(b *testing.B) {
	req := seedRequest(64)
	for _, a := range allocators() {
		b.Run("allocator="+a.name, func(b *testing.B) {
			var p slotalloc.Plan
			for b.Loop() {
				var err error
				if p, err = a.a.Allocate(req); err != nil {
					b.Fatal(err)
				}
			}
			s, err := slotalloc.Evaluate(req, p)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(s.Spread), "spread")
			b.ReportMetric(s.Imbalance, "imbalance")
			b.ReportMetric(s.WeightImbalance, "weight_imbalance")
		})
	}
}

// BenchmarkRescale rescales the allocator's own plan of the seed's shape
// on 64 TaskManagers to 56 and to 72 (one op is both rescales) and reports
// moved_ratio, the subtasks moved over the lower bound of moves balance
// needs (Stats.LowerBoundMoves), and spread, each the worse of the two.
// FlinkDefault is left out: it does not balance, so its bound means
// nothing.
func BenchmarkRescale(b *testing.B) {
	for _, a := range allocators()[1:] {
		b.Run("allocator="+a.name, func(b *testing.B) {
			base, err := a.a.Allocate(seedRequest(64))
			if err != nil {
				b.Fatal(err)
			}
			reqs := []slotalloc.Request{seedRequest(56), seedRequest(72)}
			plans := make([]slotalloc.Plan, len(reqs))
			for i := range reqs {
				reqs[i].Previous = base
			}
			for b.Loop() {
				for i, r := range reqs {
					if plans[i], err = a.a.Allocate(r); err != nil {
						b.Fatal(err)
					}
				}
			}
			ratio, spread := 0.0, 0
			for i, r := range reqs {
				s, err := slotalloc.Evaluate(r, plans[i])
				if err != nil {
					b.Fatal(err)
				}
				if s.LowerBoundMoves > 0 { // TaskBalanced moves nothing when only idle TaskManagers go
					ratio = max(ratio, float64(s.Moved)/float64(s.LowerBoundMoves))
				}
				spread = max(spread, s.Spread)
			}
			b.ReportMetric(ratio, "moved_ratio")
			b.ReportMetric(float64(spread), "spread")
		})
	}
}

// BenchmarkDefaultShapes places the seed's shape (1,000 pipelines) and its
// harder variants (see shapes) with Default and reports spread,
// weight_imbalance and, after a previous plan, moved and moved_ratio
// (when the lower bound is not 0). The previous plan is made outside the
// timer.
func BenchmarkDefaultShapes(b *testing.B) {
	d := &slotalloc.Default{}
	for _, sh := range shapes(1000) {
		b.Run("shape="+sh.name, func(b *testing.B) {
			req := sh.request(b, d)
			var p slotalloc.Plan
			for b.Loop() {
				var err error
				if p, err = d.Allocate(req); err != nil {
					b.Fatal(err)
				}
			}
			s, err := slotalloc.Evaluate(req, p)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(s.Spread), "spread")
			b.ReportMetric(s.WeightImbalance, "weight_imbalance")
			if sh.first != nil {
				b.ReportMetric(float64(s.Moved), "moved")
				if s.LowerBoundMoves > 0 {
					b.ReportMetric(float64(s.Moved)/float64(s.LowerBoundMoves), "moved_ratio")
				}
			}
		})
	}
}
