package drain

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Operation is one drain of one job: everything a controller needs to
// resume it after a crash, and to report what happened.
type Operation struct {
	// Job is the Flink job ID.
	Job string `json:"job"`
	// State is where the drain stands.
	State State `json:"state"`
	// TriggerID names the current (or last) attempt's stop-with-savepoint
	// operation in Flink; it is chosen and recorded before the trigger is
	// sent.
	TriggerID string `json:"triggerId,omitempty"`
	// Location is the confirmed savepoint: set in Finishing and Drained
	// only.
	Location string `json:"location,omitempty"`
	// WrittenSavepoint is the last savepoint an attempt wrote although
	// the job did not stop (it failed over and ran again). It is never a
	// reason for Drained, but a user may restore from it.
	WrittenSavepoint string `json:"writtenSavepoint,omitempty"`
	// Reason says why the drain retried, fell back, was cancelled or
	// failed.
	Reason string `json:"reason,omitempty"`
	// Requested is when the drain was first asked for; deadlines count
	// from it, across restarts.
	Requested time.Time `json:"requested"`
	// Updated is the time of the last transition.
	Updated time.Time `json:"updated"`
	// History lists every transition, oldest first.
	History []Step `json:"history"`
}

// Step is one transition of an Operation.
type Step struct {
	At        time.Time `json:"at"`
	From      State     `json:"from"`
	To        State     `json:"to"`
	Event     Kind      `json:"event"`
	TriggerID string    `json:"triggerId,omitempty"`
	Location  string    `json:"location,omitempty"`
	Reason    string    `json:"reason,omitempty"`
}

// MarshalJSON writes the event kind by name.
func (k Kind) MarshalJSON() ([]byte, error) {
	if k < 0 || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("%w: unknown event kind %d", ErrInvalidRecord, int(k))
	}
	return []byte(`"` + k.String() + `"`), nil
}

// UnmarshalJSON reads an event kind by name.
func (k *Kind) UnmarshalJSON(b []byte) error {
	for i, n := range kindNames {
		if string(b) == `"`+n+`"` {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown event kind %s", ErrInvalidRecord, b)
}

// NewOperation starts a drain of job at now, in state Requested.
func NewOperation(job string, now time.Time) Operation {
	return Operation{Job: job, State: Requested, Requested: now, Updated: now}
}

// Attempts returns how many stop attempts the operation triggered.
func (op Operation) Attempts() int {
	n := 0
	for _, s := range op.History {
		if s.Event == Trigger {
			n++
		}
	}
	return n
}

// Apply is the transition function: the operation after e happened at now,
// or an error (wrapping ErrIllegalTransition, ErrNoSavepoint or
// ErrNoTrigger) and op unchanged. It never modifies op's history in place.
func Apply(op Operation, now time.Time, e Event) (Operation, error) {
	to, err := next(op.State, e, op.Location)
	if err != nil {
		return op, err
	}
	step := Step{At: now, From: op.State, To: to, Event: e.Kind, TriggerID: e.TriggerID, Location: e.Location, Reason: e.Reason}
	op.History = append(slices.Clip(op.History), step)
	op.State, op.Updated = to, now
	switch e.Kind {
	case Trigger, Accept:
		if e.TriggerID != "" { // Accept: the ID Flink answered, if it ignored ours
			op.TriggerID = e.TriggerID
		}
	case Savepoint:
		op.Location = e.Location
	}
	if to != Finishing && to != Drained && op.Location != "" {
		// Finishing -> elsewhere: the savepoint was written, the job did
		// not finish.
		op.WrittenSavepoint, op.Location = op.Location, ""
	}
	if e.Kind != Savepoint && e.Location != "" {
		op.WrittenSavepoint = e.Location
	}
	if e.Reason != "" && e.Kind != Trigger && e.Kind != Accept {
		op.Reason = e.Reason
	}
	return op, nil
}

// ErrInvalidRecord is wrapped by every error about an operation record
// that cannot be true: a store refuses to load it, so that nothing acts on
// a job from a corrupt, foreign or impossible record.
var ErrInvalidRecord = errors.New("drain: invalid operation record")

// Check reports whether op is a record of a drain of job that could have
// been written by Apply: a known state, a request time, a well-formed
// trigger ID wherever a stop may be in flight, a savepoint location where
// one was confirmed, and a history that ends in the current state. The
// error wraps ErrInvalidRecord.
func (op Operation) Check(job string) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: job %s: %s", ErrInvalidRecord, job, fmt.Sprintf(format, a...))
	}
	switch {
	case op.Job != job:
		return bad("the record is for job %q", op.Job)
	case !op.State.Valid():
		return bad("unknown state %d", int(op.State))
	case op.Requested.IsZero():
		return bad("no request time")
	case op.Updated.Before(op.Requested):
		return bad("updated %v before requested %v", op.Updated, op.Requested)
	case (op.State == Stopping || op.State == Waiting) && !ValidTriggerID(op.TriggerID):
		return bad("state %s with malformed trigger ID %q", op.State, op.TriggerID)
	case (op.State == Drained || op.State == Finishing) && op.Location == "":
		return bad("state %s without a savepoint location", op.State)
	case op.State != Drained && op.State != Finishing && op.Location != "":
		return bad("state %s with a confirmed savepoint location", op.State)
	case op.State != Requested && len(op.History) == 0:
		return bad("state %s without a history", op.State)
	case len(op.History) > 0 && op.History[len(op.History)-1].To != op.State:
		return bad("history ends in %s, state is %s", op.History[len(op.History)-1].To, op.State)
	}
	for i, s := range op.History {
		if !s.From.Valid() || !s.To.Valid() || s.Event < 0 || int(s.Event) >= len(kindNames) {
			return bad("history step %d is malformed", i)
		}
		if i > 0 && op.History[i-1].To != s.From {
			return bad("history step %d leaves %s, previous step ended in %s", i, s.From, op.History[i-1].To)
		}
	}
	return nil
}

// Machine applies events to an operation and reports each transition to
// its hook, in the manner of sony/gobreaker's OnStateChange. Not safe for
// concurrent use.
type Machine struct {
	op           Operation
	onTransition func(Operation, Step)
}

// NewMachine returns a machine holding op. onTransition, if not nil, is
// called after every transition with the new operation and its step.
func NewMachine(op Operation, onTransition func(Operation, Step)) *Machine {
	return &Machine{op: op, onTransition: onTransition}
}

// Fire applies e at now.
func (m *Machine) Fire(now time.Time, e Event) error {
	op, err := Apply(m.op, now, e)
	if err != nil {
		return err
	}
	m.op = op
	if m.onTransition != nil {
		m.onTransition(op, op.History[len(op.History)-1])
	}
	return nil
}

// Operation returns the current operation.
func (m *Machine) Operation() Operation { return m.op }
