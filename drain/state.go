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
	// Requested: the drain was asked for, or its last attempt failed while
	// the job lives on; no stop is in flight. The next step looks at the
	// job, waits for it to be RUNNING, and triggers an attempt.
	Requested State = iota
	// Stopping: a stop-with-savepoint (drain) trigger is being sent, under
	// a triggerId chosen and recorded before sending, so that sending it
	// again after a crash names the same operation.
	Stopping
	// Waiting: Flink accepted the trigger; the savepoint is being taken.
	Waiting
	// Drained: the savepoint at Operation.Location was confirmed and the
	// job was then seen FINISHED.
	Drained
	// Cancelling: the drain could not finish in time and the fallback
	// cancel was sent.
	Cancelling
	// Cancelled: the job was cancelled (by the fallback or by someone
	// else) without a drained savepoint.
	Cancelled
	// Failed: the job could not be drained, and was not cancelled by this
	// operation (fallback None, the job was already gone or failed, or
	// Flink refused the stop for good).
	Failed
	// Finishing: Flink confirmed the savepoint at Operation.Location; the
	// drain waits to see the job FINISHED before it counts as Drained. A
	// job that runs again instead (its tasks did not finish, and it failed
	// over) goes back to Requested with the savepoint kept in
	// Operation.WrittenSavepoint.
	Finishing
)

var stateNames = [...]string{"requested", "stopping", "waiting", "drained", "cancelling", "cancelled", "failed", "finishing"}

// String returns the lower-case name.
func (s State) String() string {
	if !s.Valid() {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// Valid reports whether s is one of the states above.
func (s State) Valid() bool { return s >= 0 && int(s) < len(stateNames) }

// Terminal reports whether no transition leaves s.
func (s State) Terminal() bool { return s == Drained || s == Cancelled || s == Failed }

// MarshalJSON writes the name.
func (s State) MarshalJSON() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w: unknown state %d", ErrInvalidRecord, int(s))
	}
	return json.Marshal(s.String())
}

// UnmarshalJSON reads a name; an unknown name is an error wrapping
// ErrInvalidRecord.
func (s *State) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return fmt.Errorf("%w: state: %w", ErrInvalidRecord, err)
	}
	for i, n := range stateNames {
		if n == name {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown state %q", ErrInvalidRecord, name)
}

// Kind is the kind of an Event.
type Kind int

// Event kinds.
const (
	// Trigger: a trigger ID was chosen for a new attempt; a stop is about
	// to be sent. Requested -> Stopping.
	Trigger Kind = iota
	// Accept: Flink accepted the stop. Stopping -> Waiting.
	Accept
	// Savepoint: Flink confirmed a savepoint at Event.Location (or the
	// job's checkpoint history did, for a job found FINISHED).
	// Requested, Stopping, Waiting, Cancelling -> Finishing.
	Savepoint
	// Fallback: the drain cannot finish (deadline passed, attempts spent);
	// a cancel is about to be sent.
	// Requested, Stopping, Waiting, Finishing -> Cancelling.
	Fallback
	// Cancel: the job reached CANCELED. Cancelling (or any non-terminal
	// state, when someone else cancelled the job) -> Cancelled.
	Cancel
	// Fail: nothing more can be done. Any non-terminal state -> Failed.
	Fail
	// Retry: the attempt failed and the job lives on (the savepoint
	// failed, or it was written at Event.Location but the job did not
	// stop, or Flink forgot the trigger). Stopping, Waiting, Finishing ->
	// Requested, for another attempt.
	Retry
	// Finish: the job was seen FINISHED after its savepoint was confirmed.
	// Finishing -> Drained.
	Finish
)

var kindNames = [...]string{"trigger", "accept", "savepoint", "fallback", "cancel", "fail", "retry", "finish"}

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
	// TriggerID is the trigger chosen, with Trigger, or the one Flink
	// answered, with Accept.
	TriggerID string
	// Location is the confirmed savepoint, with Savepoint, or a savepoint
	// written by a failed attempt, with Retry, Fallback, Cancel or Fail.
	Location string
	// Reason says why, with Fallback, Cancel, Fail and Retry, and notes
	// anything worth recording with the others.
	Reason string
}

// Errors of the transition function.
var (
	// ErrIllegalTransition is wrapped by *TransitionError.
	ErrIllegalTransition = errors.New("drain: illegal transition")
	// ErrNoSavepoint: a Savepoint event without a location, or a Finish
	// without a confirmed savepoint. A drain never reports success without
	// a confirmed savepoint.
	ErrNoSavepoint = errors.New("drain: no savepoint location")
	// ErrNoTrigger: a Trigger event without a well-formed trigger ID.
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

// transitions is the table: for each event kind, the states it may leave
// from and the state it leads to. Cancel and Fail leave any non-terminal
// state.
var transitions = map[Kind]struct {
	from []State
	to   State
}{
	Trigger:   {[]State{Requested}, Stopping},
	Accept:    {[]State{Stopping}, Waiting},
	Savepoint: {[]State{Requested, Stopping, Waiting, Cancelling}, Finishing},
	Fallback:  {[]State{Requested, Stopping, Waiting, Finishing}, Cancelling},
	Retry:     {[]State{Stopping, Waiting, Finishing}, Requested},
	Finish:    {[]State{Finishing}, Drained},
	Cancel:    {[]State{Requested, Stopping, Waiting, Finishing, Cancelling}, Cancelled},
	Fail:      {[]State{Requested, Stopping, Waiting, Finishing, Cancelling}, Failed},
}

// next is the transition function on states: the state e leads to from
// from, given the operation's confirmed savepoint loc.
func next(from State, e Event, loc string) (State, error) {
	illegal := &TransitionError{From: from, Event: e.Kind}
	t, ok := transitions[e.Kind]
	if !ok || !from.Valid() || from.Terminal() {
		return from, illegal
	}
	legal := false
	for _, s := range t.from {
		legal = legal || s == from
	}
	if !legal {
		return from, illegal
	}
	switch {
	case e.Kind == Trigger && !ValidTriggerID(e.TriggerID):
		return from, fmt.Errorf("%w: %q", ErrNoTrigger, e.TriggerID)
	case e.Kind == Savepoint && e.Location == "":
		return from, ErrNoSavepoint
	case e.Kind == Finish && loc == "":
		return from, ErrNoSavepoint
	}
	return t.to, nil
}

// ValidTriggerID reports whether id has the form of Flink's trigger IDs:
// 32 lower-case hexadecimal digits.
func ValidTriggerID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
