package autoscale

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// verdict is the job-level outcome of one call.
type verdict struct {
	rescale  bool
	why      string // a clause: why the job rescales, or why it does not
	cur, new int    // slots now and at the sizes
}

// choose decides for the whole job: rescale every pipeline to its sizes
// when one must scale up, or when the slots wasted against the sizes since
// the job became over-provisioned reach a restart's cost; else keep.
func (d *Default) choose(now, t time.Time, obs Observation, pipes []*pipeline, plans map[string]*vtxPlan) Decision {
	current, sized := map[string]int{}, map[string]int{}
	for _, v := range obs.Vertices {
		current[v.ID], sized[v.ID] = v.Parallelism, plans[v.ID].ideal
	}
	vd := verdict{cur: slotsOf(obs, current), new: slotsOf(obs, sized)}
	urgent, stuck := urgency(pipes, plans)
	over := vd.cur - vd.new
	d.account(t, over, urgent != "", unknownSizes(obs, plans))
	cost := d.restartCost().Seconds() * float64(vd.new)
	switch {
	case urgent != "":
		vd.rescale, vd.why = true, "the job must scale up now: "+urgent
	case over > 0 && d.st.waste >= cost && d.st.paused == "":
		vd.rescale = true
		vd.why = fmt.Sprintf("%d slots would do where %d run, and the %s slot-h wasted since %s reach the %s slot-h a restart costs (%v of %d slots)",
			vd.new, vd.cur, num(d.st.waste/3600), hms(d.st.wasteFrom), num(cost/3600), d.restartCost(), vd.new)
	case stuck != "":
		vd.why = "the job cannot keep up, but no size it may take would help: " + stuck
	case d.st.paused != "":
		vd.why = fmt.Sprintf("figures are missing, so it cannot tell whether the job keeps up (%s); the count of slot-h wasted (%s so far) is paused",
			d.st.paused, num(d.st.waste/3600))
	case over > 0:
		vd.why = fmt.Sprintf("the job keeps up; %d slots would do where %d run, but the %s slot-h wasted so far are below the %s slot-h a restart costs",
			vd.new, vd.cur, num(d.st.waste/3600), num(cost/3600))
	case unmeasured(obs, plans) != "":
		vd.why = "no vertex is known to fall behind, but " + unmeasured(obs, plans)
	default:
		vd.why = "the job keeps up and is not over-provisioned"
	}
	dec := Decision{Time: now, Targets: map[string]int{}, Reasons: map[string]string{}}
	for _, v := range obs.Vertices {
		if why := unsized(plans[v.ID]); why != "" {
			if dec.Unsized == nil {
				dec.Unsized = map[string]string{}
			}
			dec.Unsized[v.ID] = why
		}
	}
	dec.Capacity = make(map[string]Value, len(obs.Vertices))
	for _, v := range obs.Vertices {
		dec.Capacity[v.ID] = MissingBecause("its capacity has not been measured yet")
		if c := plans[v.ID].capNow; !math.IsNaN(c) && !math.IsInf(c, 0) {
			dec.Capacity[v.ID] = Of(c)
		}
	}
	var moves []string
	for _, v := range obs.Vertices {
		target := v.Parallelism
		if vd.rescale {
			target = sized[v.ID]
		}
		dec.Targets[v.ID] = target
		dec.Reasons[v.ID] = d.describe(plans[v.ID], target, vd)
		if target != v.Parallelism {
			moves = append(moves, fmt.Sprintf("%s %d->%d", v.ID, v.Parallelism, target))
		}
	}
	dec.Size(obs)
	dec.Summary = "default: keeps every vertex: " + vd.why
	if len(moves) > 0 {
		dec.Summary = fmt.Sprintf("default: rescales %s (%d -> %d slots): %s", strings.Join(moves, ", "), vd.cur, dec.Slots, vd.why)
		d.st.waste, d.st.wasteAt = 0, time.Time{}
		d.st.rescaleAt = t
		clear(d.st.upFrom)
		for _, v := range obs.Vertices {
			if dec.Targets[v.ID] > v.Parallelism {
				d.st.upFrom[v.ID] = upCheck{from: v.Parallelism, to: dec.Targets[v.ID], need: plans[v.ID].need, at: t}
			}
		}
	}
	return dec
}

// urgency says why the job must scale up now: in the pipelines that must
// and can (a vertex that cannot keep up would grow, or the lag would drain
// sooner), how many vertices cannot keep up and which most, and which
// sources lag too long. stuck says the same of the pipelines that must but
// cannot: their bottleneck is at its most useful size.
func urgency(pipes []*pipeline, plans map[string]*vtxPlan) (urgent, stuck string) {
	var can, cannot []string
	for _, p := range pipes {
		if !p.urgent(plans) {
			continue
		}
		n, tightest, ratio, grows := 0, "", math.Inf(1), false
		for _, id := range p.Vertices {
			if vp := plans[id]; vp.urgent != "" {
				n++
				if r := vp.capNow / vp.dem.react; r < ratio {
					tightest, ratio = id, r
				}
				grows = grows || vp.curve.capacity(vp.v, vp.keyed, vp.ideal) > vp.capNow*1.02
			}
		}
		var why []string
		if n > 0 {
			vp := plans[tightest]
			why = append(why, fmt.Sprintf("%s cannot keep up with the demand expected before a new configuration could run (%s most at %s rec/s for %s rec/s)",
				plural(n, "vertex"), tightest, num(vp.capNow), num(vp.dem.react)))
		}
		switch {
		case p.lagging != "":
			can = append(can, append(why, p.lagging)...)
		case grows:
			can = append(can, why...)
		default:
			cannot = append(cannot, why...)
		}
	}
	return strings.Join(can, "; "), strings.Join(cannot, "; ")
}

// unknownSizes says why some vertex's size is unknown now (its figures
// or its demand are missing), or "".
func unknownSizes(obs Observation, plans map[string]*vtxPlan) string {
	for _, v := range obs.Vertices {
		switch vp := plans[v.ID]; {
		case vp.missing != "":
			return fmt.Sprintf("%s: %s", v.ID, vp.missing)
		case math.IsNaN(vp.dem.now):
			return fmt.Sprintf("the demand of %s is unknown", v.ID)
		}
	}
	return ""
}

// unsized says why a vertex could not be sized (Decision.Unsized), or "".
func unsized(vp *vtxPlan) string {
	switch {
	case vp.missing != "":
		return vp.missing
	case math.IsNaN(vp.dem.now):
		return "its demand is unknown, as " + vp.demWhy
	case math.IsNaN(vp.need) || (len(vp.curve.p) == 0 && vp.need > 0):
		return "its capacity has not been measured yet"
	}
	return ""
}

// unmeasured names the vertices whose capacity has not been measured yet
// ("the capacity of v1 has not been measured yet"; "of v1 and 2 more"),
// or "" when every vertex with a demand has a measured capacity.
func unmeasured(obs Observation, plans map[string]*vtxPlan) string {
	var first string
	n := 0
	for _, v := range obs.Vertices {
		vp := plans[v.ID]
		if vp.missing != "" || math.IsNaN(vp.dem.now) {
			continue
		}
		if math.IsNaN(vp.need) || (len(vp.curve.p) == 0 && vp.need > 0) {
			if n++; n == 1 {
				first = v.ID
			}
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("the capacity of %s has not been measured yet", first)
	}
	return fmt.Sprintf("the capacity of %s and %d more vertices has not been measured yet", first, n-1)
}

// account adds the slot-time wasted since the last call while the job is
// over-provisioned against its sizes and nothing is urgent; an urgent
// scale-up or a job no longer over-provisioned starts the count afresh. A
// call with a missing figure pauses it: the time to the next call is not
// counted, and the count so far is kept.
func (d *Default) account(t time.Time, over int, urgent bool, unknown string) {
	st := &d.st
	st.paused = unknown
	switch {
	case unknown != "":
		if !st.wasteAt.IsZero() {
			st.wasteAt = t
		}
		return
	case over <= 0 || urgent:
		st.waste, st.wasteAt = 0, time.Time{}
		return
	case st.wasteAt.IsZero():
		st.wasteFrom = t
	default:
		st.waste += float64(over) * t.Sub(st.wasteAt).Seconds()
	}
	st.wasteAt = t
}

// describe explains one vertex's target in full sentences.
func (d *Default) describe(vp *vtxPlan, target int, vd verdict) string {
	p := vp.v.Parallelism
	switch {
	case vp.missing != "":
		return fmt.Sprintf("Keeps %d: %s, and Default never acts on a missing figure.", p, vp.missing)
	case math.IsNaN(vp.dem.now):
		return fmt.Sprintf("Keeps %d: its demand is unknown, as %s.", p, vp.demWhy)
	case math.IsNaN(vp.need) || (len(vp.curve.p) == 0 && vp.need > 0):
		return fmt.Sprintf("Keeps %d: %s rec/s are due, but its capacity has not been measured yet (that takes two observations under a steady load or a backlog).",
			p, num(vp.dem.now))
	}
	figures := d.figures(vp)
	switch {
	case target != p && vp.urgent != "":
		return fmt.Sprintf("Goes from %d to %d subtasks: %s. %s", p, target, vp.urgent, figures)
	case target != p:
		return fmt.Sprintf("Goes from %d to %d subtasks, its size in the new configuration, as %s. %s", p, target, vd.why, figures)
	case vd.rescale:
		return fmt.Sprintf("Keeps %d, its size in the new configuration, as %s. %s", p, vd.why, figures)
	case vp.urgent != "":
		return fmt.Sprintf("Keeps %d: %s, but %s. %s", p, vp.urgent, vd.why, figures)
	}
	return fmt.Sprintf("Keeps %d: %s. %s", p, vd.why, figures)
}

// figures gives a vertex's demand, capacity and size with their figures.
func (d *Default) figures(vp *vtxPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Demand is %s rec/s", num(vp.dem.now))
	if sv := vp.src; sv != nil {
		fmt.Fprintf(&b, " (arrivals measured as %s; %s records wait, a lag of %s s", sv.how, num(sv.backlog), num(sv.lag))
		if sv.trended {
			fmt.Fprintf(&b, "; trend %s rec/s per hour", num(sv.slope*3600))
		}
		if out, n := stalledRecords(vp.v); n > 0 {
			fmt.Fprintf(&b, "; left out: %s records on %s stalled (STALL: committing the same offset while behind), which more parallelism cannot drain",
				num(out), plural(n, "partition"))
		}
		b.WriteString(")")
	}
	how := ""
	if vp.src != nil {
		how = " (" + vp.src.levelHow + ")"
	}
	fmt.Fprintf(&b, "; its level is %s rec/s%s, its base %s and its peak with the noise %s", num(vp.dem.level), how, num(vp.dem.base), num(vp.dem.peak))
	if vp.dem.react > vp.dem.level {
		fmt.Fprintf(&b, ", %s rec/s expected before a new configuration could run and %s at the sizing horizon", num(vp.dem.react), num(vp.dem.horizon))
	}
	if math.IsNaN(vp.capNow) {
		b.WriteString("; its capacity at its parallelism is unknown.")
	} else {
		verb := "take"
		if vp.v.Parallelism == 1 {
			verb = "takes"
		}
		fmt.Fprintf(&b, "; %s %s in up to %s rec/s (%s), a utilization of %s.",
			plural(vp.v.Parallelism, "subtask"), verb, num(vp.capNow), d.capHow(vp), num(vp.dem.now/vp.capNow))
	}
	fmt.Fprintf(&b, " Sized for %s rec/s (the largest of %s at utilization %s, %s, the base plus what drains a rescale's backlog within %v with a downtime of %s, and the peak), it needs %d",
		num(vp.need), num(vp.dem.horizon), num(d.o.utilization), num(vp.dem.base+vp.dem.drain), d.o.catchUp, d.downtimeHow(), vp.ideal)
	if !vp.reach {
		limit := d.limit(vp.v)
		if vp.stop != nil {
			limit = min(limit, vp.stop.from)
		}
		fmt.Fprintf(&b, ", its most useful parallelism (at most %d), which falls short", limit)
	}
	b.WriteString(".")
	if s := vp.stop; s != nil {
		fmt.Fprintf(&b, " Default no longer scales it above %d: going from %d to %d subtasks (at %s) took its capacity from %s to %s rec/s, less than a tenth of the gain its busiest subtask's smaller share promised, so more subtasks do not help it (a hot partition, or a limit outside the job).",
			s.from, s.from, s.to, hms(s.when), num(s.before), num(s.at))
	}
	if vp.capped != "" {
		fmt.Fprintf(&b, " Its demand is capped at what %s can deliver at its size.", vp.capped)
	}
	if m := vp.model; m != nil && m.shifted != "" {
		fmt.Fprintf(&b, " Its capacity was measured afresh: %s.", m.shifted)
	}
	return b.String()
}

// capHow says how a capacity is known.
func (d *Default) capHow(vp *vtxPlan) string {
	p := vp.v.Parallelism
	how := ""
	if vp.v.Source != nil && math.IsNaN(nan(vp.v.Busy)) {
		how = "; its busy time" + because(vp.v.Busy) + " is missing, so only what it reads with a backlog, over the time it is not backpressured, measures it"
	}
	ps := make([]string, len(vp.curve.p))
	for i, q := range vp.curve.p {
		if q == p {
			return fmt.Sprintf("measured at %d%s", p, how)
		}
		ps[i] = fmt.Sprint(q)
	}
	return "estimated from measurements at " + strings.Join(ps, ", ") + how
}
