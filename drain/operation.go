package drain

import (
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
	// TriggerID names the stop-with-savepoint operation in Flink; it is
	// chosen and recorded before the trigger is sent.
	TriggerID string `json:"triggerId,omitempty"`
	// Location is the confirmed savepoint; set only when Drained.
	Location string `json:"location,omitempty"`
	// Reason says why the drain fell back, was cancelled or failed.
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
func (k Kind) MarshalJSON() ([]byte, error) { return []byte(`"` + k.String() + `"`), nil }

// UnmarshalJSON reads an event kind by name.
func (k *Kind) UnmarshalJSON(b []byte) error {
	for i, n := range kindNames {
		if string(b) == `"`+n+`"` {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("drain: unknown event kind %s", b)
}

// NewOperation starts a drain of job at now, in state Requested.
func NewOperation(job string, now time.Time) Operation {
	return Operation{Job: job, State: Requested, Requested: now, Updated: now}
}

// Apply is the transition function: the operation after e happened at now,
// or an error (wrapping ErrIllegalTransition, ErrNoSavepoint or
// ErrNoTrigger) and op unchanged. It never modifies op's history in place.
func Apply(op Operation, now time.Time, e Event) (Operation, error) {
	to, err := next(op.State, e)
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
	if e.Reason != "" && e.Kind != Trigger && e.Kind != Accept {
		op.Reason = e.Reason
	}
	return op, nil
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
