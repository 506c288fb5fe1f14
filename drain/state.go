package drain

import (
	"encoding/json"
	"errors"
	"fmt"
)

// State is where a drain operation stands.
type State int

// States. Drained, Cancelled and Failed are terminal.
const (
	// Requested: the drain was asked for; nothing was sent to Flink yet.
	Requested State = iota
	// Stopping: a stop-with-savepoint (drain) trigger is being sent, under
	// a triggerId chosen and recorded before sending, so that sending it
	// again after a crash names the same operation.
	Stopping
	// Waiting: Flink accepted the trigger; the savepoint is being taken.
	Waiting
	// Drained: the job stopped after a savepoint at Operation.Location.
	Drained
	// Cancelling: the drain failed and the fallback cancel was sent.
	Cancelling
	// Cancelled: the job was cancelled without a savepoint.
	Cancelled
	// Failed: the job could not be drained, and was not cancelled by this
	// operation (fallback None, or the job was already gone or failed).
	Failed
)

var stateNames = [...]string{"requested", "stopping", "waiting", "drained", "cancelling", "cancelled", "failed"}

// String returns the lower-case name.
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// Terminal reports whether no transition leaves s.
func (s State) Terminal() bool { return s == Drained || s == Cancelled || s == Failed }

// MarshalJSON writes the name.
func (s State) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a name.
func (s *State) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	for i, n := range stateNames {
		if n == name {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("drain: unknown state %q", name)
}

// Kind is the kind of an Event.
type Kind int

// Event kinds.
const (
	// Trigger: a trigger ID was chosen; a stop is about to be sent.
	// Requested -> Stopping, and Waiting -> Stopping when Flink forgot the
	// previous trigger while the job still runs (a new trigger ID).
	Trigger Kind = iota
	// Accept: Flink accepted the stop. Stopping -> Waiting.
	Accept
	// Savepoint: a savepoint was confirmed at Event.Location.
	// Stopping, Waiting, Cancelling -> Drained.
	Savepoint
	// Fallback: the drain failed; a cancel is about to be sent.
	// Requested, Stopping, Waiting -> Cancelling.
	Fallback
	// Cancel: the job reached CANCELED. Cancelling (or any non-terminal
	// state, when someone else cancelled the job) -> Cancelled.
	Cancel
	// Fail: nothing more can be done. Any non-terminal state -> Failed.
	Fail
)

var kindNames = [...]string{"trigger", "accept", "savepoint", "fallback", "cancel", "fail"}

// String returns the lower-case name.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Event is something that happened to a drain.
type Event struct {
	Kind Kind
	// TriggerID is the trigger chosen, with Trigger.
	TriggerID string
	// Location is the confirmed savepoint, with Savepoint.
	Location string
	// Reason says why, with Fallback, Cancel and Fail, and notes anything
	// worth recording with the others.
	Reason string
}

// Errors of the transition function.
var (
	// ErrIllegalTransition is wrapped by *TransitionError.
	ErrIllegalTransition = errors.New("drain: illegal transition")
	// ErrNoSavepoint: a Savepoint event without a location. A drain never
	// reports success without a confirmed savepoint.
	ErrNoSavepoint = errors.New("drain: no savepoint location")
	// ErrNoTrigger: a Trigger event without a trigger ID.
	ErrNoTrigger = errors.New("drain: no trigger ID")
)

// TransitionError is an event that cannot happen in a state.
type TransitionError struct {
	From  State
	Event Kind
}

// Error implements error.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("drain: illegal transition: %s in state %s", e.Event, e.From)
}

// Unwrap returns ErrIllegalTransition.
func (e *TransitionError) Unwrap() error { return ErrIllegalTransition }

// next is the transition table: the state an event leads to from a state.
func next(from State, e Event) (State, error) {
	illegal := &TransitionError{From: from, Event: e.Kind}
	if from.Terminal() {
		return from, illegal
	}
	switch e.Kind {
	case Trigger:
		if e.TriggerID == "" {
			return from, ErrNoTrigger
		}
		if from == Requested || from == Waiting {
			return Stopping, nil
		}
	case Accept:
		if from == Stopping {
			return Waiting, nil
		}
	case Savepoint:
		if e.Location == "" {
			return from, ErrNoSavepoint
		}
		if from == Stopping || from == Waiting || from == Cancelling {
			return Drained, nil
		}
	case Fallback:
		if from == Requested || from == Stopping || from == Waiting {
			return Cancelling, nil
		}
	case Cancel:
		return Cancelled, nil
	case Fail:
		return Failed, nil
	}
	return from, illegal
}
