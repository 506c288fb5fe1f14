package sim

import (
	"testing"
	"time"

	"github.com/flinkscale/flinkscale/autoscale"
)

// checkPartitions checks every partition's bookkeeping, and its time lag
// against a brute-force search of its log.
func checkPartitions(t *testing.T, s *Sim) {
	t.Helper()
	var arrived int64
	for _, i := range s.topo.sources {
		for k := range s.vs[i].src.parts {
			p := &s.vs[i].src.parts[k]
			arrived += p.end
			if !(0 <= p.ckpt && p.ckpt <= p.pos && p.pos <= p.high && p.high <= p.end) {
				t.Fatalf("at %v: partition %d: ckpt %d pos %d high %d end %d", s.now, k, p.ckpt, p.pos, p.high, p.end)
			}
			if p.head < len(p.log) && p.log[p.head].begin > p.ckpt {
				t.Fatalf("at %v: partition %d forgot records after its checkpoint", s.now, k)
			}
			want := time.Duration(0)
			for _, c := range p.log[p.head:] {
				if p.pos >= c.begin && p.pos < c.end {
					frac := float64(p.pos-c.begin) / float64(c.end-c.begin)
					want = s.now - c.at - time.Duration(frac*float64(s.tick))
				}
			}
			if got := p.lag(s.now, s.tick); got != want {
				t.Fatalf("at %v: partition %d: lag %v, brute force %v", s.now, k, got, want)
			}
		}
	}
	if arrived != s.stats.arrived {
		t.Fatalf("at %v: partitions hold %d records, %d arrived", s.now, arrived, s.stats.arrived)
	}
}

func TestPartitionInvariants(t *testing.T) {
	for _, mode := range []RescaleMode{InPlace, Redeploy} {
		job := OrdersJob().WithParallelism(map[string]int{"source": 3, "enrich": 8})
		s, err := New(Config{Seed: 9, Rescale: mode, CheckpointInterval: 20 * time.Second}, job, Bursty{Base: 300, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		x := uint64(1)
		for range 240 {
			s.Advance(15 * time.Second)
			checkPartitions(t, s)
			x = splitmix(x)
			if x%5 == 0 {
				id := s.topo.vertices[x%10].ID
				if err := s.Apply(autoscale.Decision{Targets: map[string]int{id: 1 + int(x>>8%12)}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if m := s.Summary(); m.Rescales < 10 || m.RecordsLost != 0 {
			t.Errorf("%v: %+v", mode, m)
		}
	}
}
