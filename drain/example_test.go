package drain_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/flinkscale/flinkscale/drain"
)

func ExampleApply() {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	op := drain.NewOperation("7a7c3291accebd10b6be8d4f8c8d8dfc", now)
	for _, e := range []drain.Event{
		{Kind: drain.Trigger, TriggerID: "0123456789abcdef0123456789abcdef"},
		{Kind: drain.Accept},
		{Kind: drain.Savepoint}, // no location: refused
		{Kind: drain.Retry, Reason: "savepoint failed: checkpoint expired"},
		{Kind: drain.Trigger, TriggerID: "fedcba9876543210fedcba9876543210"},
		{Kind: drain.Accept},
		{Kind: drain.Savepoint, Location: "s3://savepoints/sp-1"},
		{Kind: drain.Finish},
	} {
		next, err := drain.Apply(op, now, e)
		if errors.Is(err, drain.ErrNoSavepoint) {
			fmt.Println("refused:", err)
			continue
		}
		op = next
		fmt.Println(op.State)
	}
	fmt.Println("attempts:", op.Attempts(), "location:", op.Location)
	// Output:
	// stopping
	// waiting
	// refused: drain: no savepoint location
	// requested
	// stopping
	// waiting
	// finishing
	// drained
	// attempts: 2 location: s3://savepoints/sp-1
}
