package sim

import (
	"fmt"
	"math"
	"time"
)

// rescale restarts the running job at next.
func (s *Sim) rescale(next []int) {
	changed, flap := 0, false
	for i := range next {
		if next[i] == s.p[i] {
			continue
		}
		changed++
		dir := 1
		if next[i] < s.p[i] {
			dir = -1
		}
		if m := s.moves[i]; m.dir == -dir && s.now-m.at <= flapWindow {
			flap = true
		}
		s.moves[i] = move{at: s.now, dir: dir}
	}
	if flap {
		s.stats.flaps++
	}
	s.p, s.pending = next, nil
	s.slots = s.topo.slots(next)
	s.stats.rescales++
	s.stats.rescaleAt = append(s.stats.rescaleAt, s.now)
	s.restart(s.cfg.Rescale, changed)
}

// Failover restarts the job as after a task failure: from the last
// completed checkpoint, at the same parallelism, after
// Config.InPlaceDowntime. It does nothing while the job is restarting.
func (s *Sim) Failover() {
	if s.running {
		s.stats.failovers++
		s.restart(InPlace, 0)
	}
}

// restart stops the job: sources go back to the last checkpoint (InPlace)
// or take a savepoint where they are (Redeploy); in-flight records are
// dropped (they are read again); the metrics vanish. changed vertices
// change parallelism.
func (s *Sim) restart(mode RescaleMode, changed int) {
	s.ckptDue = 0 // a checkpoint in progress is abandoned
	for _, i := range s.topo.sources {
		for k := range s.vs[i].src.parts {
			pt := &s.vs[i].src.parts[k]
			if mode == Redeploy {
				pt.checkpoint()
			}
			s.stats.replayed += pt.rewind()
		}
	}
	for i := range s.vs {
		s.vs[i].buf = 0
	}
	s.running = false
	s.downUntil = s.now + s.downtime(mode, changed)
	s.invalidateCache()
}

// downtime is how long a restart in mode m that changes changed vertices
// keeps the job down: the mode's base downtime, jittered, plus the
// changed vertices' share and the state's restore, in whole ticks.
func (s *Sim) downtime(m RescaleMode, changed int) time.Duration {
	r := s.cfg.Restarts
	d := float64(s.cfg.downtime(m))
	if r.Jitter > 0 {
		d *= 1 + r.Jitter*(2*draw(&s.rnd.restarts)-1)
	}
	d += float64(r.PerChangedVertex) * float64(changed)
	state := 0.0
	for _, v := range s.topo.vertices {
		state += v.StateBytes
	}
	d += state / r.RestoreRate * float64(time.Second)
	ticks := math.Ceil(d / float64(s.tick))
	return time.Duration(max(ticks, 1)) * s.tick
}

// deploy carries out the Config.Deploys that fall due: a savepoint
// redeploy with every vertex counted as changed, new per-record costs and
// perhaps a new job ID.
func (s *Sim) deploy() {
	for s.deploys < len(s.cfg.Deploys) && s.now >= s.cfg.Deploys[s.deploys].At {
		d := s.cfg.Deploys[s.deploys]
		s.deploys++
		s.stats.deploys++
		s.topo.applyCost(d.Cost)
		if d.NewJobID {
			s.name = fmt.Sprintf("%s#%d", s.topo.name, s.deploys)
		}
		for i := range s.vs {
			s.vs[i].spec = s.topo.vertices[i]
		}
		if s.running {
			s.restart(Redeploy, len(s.vs))
		} else {
			s.downUntil = max(s.downUntil, s.now+s.downtime(Redeploy, len(s.vs)))
		}
	}
}

// Random streams' salts.
const (
	saltMetrics     = 0x6d6574726963
	saltRestarts    = 0x72657374617274
	saltCheckpoints = 0x636b7074
	saltWander      = 0x77616e646572
	saltFreeze      = 0x667265657a65
)

// draw returns the next number of a seeded stream, in [0, 1).
func draw(state *uint64) float64 {
	*state++
	return unit(splitmix(*state))
}

// gaussian returns a standard normal draw from a stream (Box-Muller).
func gaussian(state *uint64) float64 {
	u := max(draw(state), 1e-300)
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*draw(state))
}
