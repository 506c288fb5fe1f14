package autoscale

import (
	"fmt"
	"math"
)

// describeTPR says what the true processing rate is and where it came from.
func describeTPR(ev *vertexEval) string {
	busy := fmt.Sprintf("busy %s, input %s rec/s", num(ev.load), num(ev.inRate))
	switch {
	case math.IsInf(ev.tpr, 1):
		return fmt.Sprintf("TPR unbounded (%s)", busy)
	case ev.usedObserved:
		return fmt.Sprintf("TPR %s rec/s observed while catching up (busy-time TPR %s rec/s at %s)",
			num(ev.tpr), num(ev.busyTPR), busy)
	}
	return fmt.Sprintf("TPR %s rec/s at %s", num(ev.tpr), busy)
}

// describeMissingTPR says why there is no true processing rate.
func describeMissingTPR(ev *vertexEval) string {
	return fmt.Sprintf("the true processing rate is missing (input %s rec/s, busy %s)", num(ev.inRate), num(ev.load))
}

// describeTarget gives the rates the vertex must process.
func describeTarget(ev *vertexEval) string {
	return fmt.Sprintf("target rate %s rec/s + catch-up %s rec/s", num(ev.target), num(ev.catchUp))
}

// describeBounds places the true processing rate against the utilization
// bounds.
func describeBounds(ev *vertexEval) string {
	where := "within"
	if ev.tpr < ev.upThreshold || ev.tpr > ev.downThreshold {
		where = "outside"
	}
	return fmt.Sprintf("%s its bounds (up below %s, down above %s rec/s)", where, num(ev.upThreshold), num(ev.downThreshold))
}
