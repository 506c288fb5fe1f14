package flinkapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
)

// CheckpointStats is the answer of GET /jobs/{jobid}/checkpoints.
type CheckpointStats struct {
	Counts  CheckpointCounts  `json:"counts"`
	Summary CheckpointSummary `json:"summary"`
	Latest  LatestCheckpoints `json:"latest"`
	// History holds the most recent checkpoints, newest first (Flink keeps
	// web.checkpoints.history = 10 by default).
	History []Checkpoint `json:"history"`
}

// CheckpointCounts counts checkpoints by outcome since the job started.
type CheckpointCounts struct {
	Restored   int64 `json:"restored"`
	Total      int64 `json:"total"`
	InProgress int64 `json:"in_progress"`
	Completed  int64 `json:"completed"`
	Failed     int64 `json:"failed"`
}

// StatsSummary summarises a figure over completed checkpoints. Min, Max
// and Avg are integers on the wire; the percentiles are doubles and may be
// NaN when there is no data.
type StatsSummary struct {
	Min  int64 `json:"min"`
	Max  int64 `json:"max"`
	Avg  int64 `json:"avg"`
	P50  Float `json:"p50"`
	P90  Float `json:"p90"`
	P95  Float `json:"p95"`
	P99  Float `json:"p99"`
	P999 Float `json:"p999"`
}

// CheckpointSummary holds percentile summaries over completed checkpoints.
// Sizes are in bytes, durations in milliseconds.
type CheckpointSummary struct {
	CheckpointedSize  StatsSummary `json:"checkpointed_size"`
	StateSize         StatsSummary `json:"state_size"`
	EndToEndDuration  StatsSummary `json:"end_to_end_duration"`
	AlignmentBuffered StatsSummary `json:"alignment_buffered"`
	ProcessedData     StatsSummary `json:"processed_data"`
	PersistedData     StatsSummary `json:"persisted_data"`
}

// LatestCheckpoints holds the newest checkpoint of each kind; nil when
// there is none.
type LatestCheckpoints struct {
	Completed *Checkpoint         `json:"completed"`
	Savepoint *Checkpoint         `json:"savepoint"`
	Failed    *Checkpoint         `json:"failed"`
	Restored  *RestoredCheckpoint `json:"restored"`
}

// CheckpointStatus is a checkpoint's outcome.
type CheckpointStatus string

// Checkpoint outcomes.
const (
	CheckpointInProgress CheckpointStatus = "IN_PROGRESS"
	CheckpointCompleted  CheckpointStatus = "COMPLETED"
	CheckpointFailed     CheckpointStatus = "FAILED"
)

// Checkpoint is one checkpoint or savepoint in the statistics. Sizes are in
// bytes.
type Checkpoint struct {
	// ClassName is Flink's discriminator: "completed", "failed" or
	// "in_progress".
	ClassName               string           `json:"className"`
	ID                      int64            `json:"id"`
	Status                  CheckpointStatus `json:"status"`
	IsSavepoint             bool             `json:"is_savepoint"`
	SavepointFormat         string           `json:"savepointFormat,omitempty"`
	CheckpointType          string           `json:"checkpoint_type"`
	TriggerTimestamp        EpochMillis      `json:"trigger_timestamp"`
	LatestAckTimestamp      EpochMillis      `json:"latest_ack_timestamp"`
	CheckpointedSize        int64            `json:"checkpointed_size"`
	StateSize               int64            `json:"state_size"`
	EndToEndDuration        Millis           `json:"end_to_end_duration"`
	AlignmentBuffered       int64            `json:"alignment_buffered"`
	ProcessedData           int64            `json:"processed_data"`
	PersistedData           int64            `json:"persisted_data"`
	NumSubtasks             int              `json:"num_subtasks"`
	NumAcknowledgedSubtasks int              `json:"num_acknowledged_subtasks"`
	// ExternalPath and Discarded are set for completed checkpoints.
	ExternalPath string `json:"external_path,omitempty"`
	Discarded    bool   `json:"discarded,omitempty"`
	// FailureTimestamp and FailureMessage are set for failed checkpoints.
	FailureTimestamp EpochMillis `json:"failure_timestamp,omitempty"`
	FailureMessage   string      `json:"failure_message,omitempty"`
}

// RestoredCheckpoint is the checkpoint the job last restored from.
type RestoredCheckpoint struct {
	ID               int64       `json:"id"`
	RestoreTimestamp EpochMillis `json:"restore_timestamp"`
	IsSavepoint      bool        `json:"is_savepoint"`
	ExternalPath     string      `json:"external_path"`
}

// Checkpoints returns a job's checkpoint statistics (GET
// /jobs/{jobid}/checkpoints). A job without checkpointing gives an error
// wrapping ErrCheckpointingDisabled where Flink answers 404 (a batch job,
// versions before 1.20); Flink 1.20 and 2.2 answer a streaming job without
// checkpointing with empty statistics (every count 0), which are returned
// as such: only CheckpointConfig tells that job apart from one that has
// not completed its first checkpoint yet.
func (c *Client) Checkpoints(ctx context.Context, job JobID) (CheckpointStats, error) {
	if err := job.Validate(); err != nil {
		return CheckpointStats{}, c.refuse(http.MethodGet, routeCheckpoints, err)
	}
	var out CheckpointStats
	if err := c.do(ctx, call{method: http.MethodGet, route: routeCheckpoints, path: jobPath(job) + "/checkpoints", out: &out}); err != nil {
		return CheckpointStats{}, err
	}
	return out, nil
}

// CheckpointMode is the checkpointing guarantee. Flink sends it in lower
// case ("exactly_once"); the client normalises it to these constants.
type CheckpointMode string

// Checkpointing guarantees.
const (
	ExactlyOnce CheckpointMode = "EXACTLY_ONCE"
	AtLeastOnce CheckpointMode = "AT_LEAST_ONCE"
)

// UnmarshalJSON accepts either case.
func (m *CheckpointMode) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*m = CheckpointMode(strings.ToUpper(s))
	return nil
}

// MarshalJSON writes the lower-case form Flink sends.
func (m CheckpointMode) MarshalJSON() ([]byte, error) {
	return json.Marshal(strings.ToLower(string(m)))
}

// CheckpointConfig is the answer of GET /jobs/{jobid}/checkpoints/config.
// Durations are in milliseconds.
type CheckpointConfig struct {
	Mode                        CheckpointMode          `json:"mode"`
	Interval                    Millis                  `json:"interval"`
	Timeout                     Millis                  `json:"timeout"`
	MinPause                    Millis                  `json:"min_pause"`
	MaxConcurrent               int                     `json:"max_concurrent"`
	Externalization             ExternalizedCheckpoints `json:"externalization"`
	StateBackend                string                  `json:"state_backend"`
	CheckpointStorage           string                  `json:"checkpoint_storage"`
	UnalignedCheckpoints        bool                    `json:"unaligned_checkpoints"`
	TolerableFailedCheckpoints  int                     `json:"tolerable_failed_checkpoints"`
	AlignedCheckpointTimeout    Millis                  `json:"aligned_checkpoint_timeout"`
	CheckpointsAfterTasksFinish bool                    `json:"checkpoints_after_tasks_finish"`
	StateChangelogEnabled       bool                    `json:"state_changelog_enabled"`
}

// DisabledCheckpointInterval is the interval Flink 1.20 and 2.2 report for
// a streaming job without checkpointing (Long.MAX_VALUE, with mode
// at_least_once); CheckpointConfig reports it as ErrCheckpointingDisabled.
const DisabledCheckpointInterval Millis = math.MaxInt64

// ExternalizedCheckpoints says whether checkpoints are retained.
type ExternalizedCheckpoints struct {
	Enabled              bool `json:"enabled"`
	DeleteOnCancellation bool `json:"delete_on_cancellation"`
}

// CheckpointConfig returns a job's checkpointing configuration (GET
// /jobs/{jobid}/checkpoints/config). A job without checkpointing gives an
// error wrapping ErrCheckpointingDisabled, not a decode failure: Flink
// answers 404 (older versions, a batch job) or, on 1.20 and 2.2, 200 with
// the interval Long.MAX_VALUE (DisabledCheckpointInterval).
func (c *Client) CheckpointConfig(ctx context.Context, job JobID) (CheckpointConfig, error) {
	if err := job.Validate(); err != nil {
		return CheckpointConfig{}, c.refuse(http.MethodGet, routeCheckpointConfig, err)
	}
	var out CheckpointConfig
	path := jobPath(job) + "/checkpoints/config"
	check := func() error {
		if out.Mode == "" {
			return decodeMissing(http.MethodGet, path, "mode")
		}
		if out.Interval == DisabledCheckpointInterval {
			return fmt.Errorf("flinkapi: %s %s: interval %d (checkpointing disabled): %w",
				http.MethodGet, path, int64(out.Interval), ErrCheckpointingDisabled)
		}
		return nil
	}
	if err := c.do(ctx, call{method: http.MethodGet, route: routeCheckpointConfig, path: path, out: &out, check: check}); err != nil {
		return CheckpointConfig{}, err
	}
	return out, nil
}
