package flinktest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// historySize is how many checkpoints the history shows, Flink's
// web.checkpoints.history default.
const historySize = 10

// CheckpointingSpec is a job's checkpointing configuration.
type CheckpointingSpec struct {
	// Interval between checkpoints. Default: 10s.
	Interval time.Duration
	// Timeout of one checkpoint. Default: 10 min, Flink's default.
	Timeout time.Duration
	// MinPause between checkpoints. Default: 0.
	MinPause time.Duration
	// MaxConcurrent checkpoints. Default: 1.
	MaxConcurrent int
	// Mode is the guarantee. Default: flinkapi.ExactlyOnce.
	Mode flinkapi.CheckpointMode
	// Unaligned enables unaligned checkpoints.
	Unaligned bool
	// TolerableFailures is how many consecutive failures the job tolerates.
	TolerableFailures int
	// StateBackend names the state backend. Default: "hashmap".
	StateBackend string
}

func (c CheckpointingSpec) withDefaults() (CheckpointingSpec, error) {
	if c.Interval < 0 || c.Timeout < 0 || c.MinPause < 0 || c.MaxConcurrent < 0 || c.TolerableFailures < 0 {
		return c, fmt.Errorf("%w: negative checkpointing setting", ErrInvalidConfig)
	}
	if c.Interval == 0 {
		c.Interval = 10 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Minute
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = 1
	}
	if c.Mode == "" {
		c.Mode = flinkapi.ExactlyOnce
	}
	if c.StateBackend == "" {
		c.StateBackend = "hashmap"
	}
	return c, nil
}

// checkpointHistory is every checkpoint a job reported, oldest first.
type checkpointHistory struct {
	all    []flinkapi.Checkpoint
	nextID int64
}

// AddCheckpoint records a checkpoint in a job's statistics, as if the job
// had taken it. ID 0 means the next ID; ClassName is derived from Status
// (default COMPLETED); NumSubtasks defaults to the job's total parallelism
// and NumAcknowledgedSubtasks to NumSubtasks for a completed checkpoint.
func (s *Server) AddCheckpoint(id flinkapi.JobID, cp flinkapi.Checkpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil {
		return err
	}
	if j.checkpointing == nil && !cp.IsSavepoint {
		return fmt.Errorf("%w: job %s has checkpointing disabled", ErrInvalidConfig, id)
	}
	return j.addCheckpoint(cp)
}

func (j *job) addCheckpoint(cp flinkapi.Checkpoint) error {
	if cp.Status == "" {
		cp.Status = flinkapi.CheckpointCompleted
	}
	switch cp.Status {
	case flinkapi.CheckpointCompleted:
		cp.ClassName = "completed"
	case flinkapi.CheckpointFailed:
		cp.ClassName = "failed"
	case flinkapi.CheckpointInProgress:
		cp.ClassName = "in_progress"
	default:
		return fmt.Errorf("%w: checkpoint status %q", ErrInvalidConfig, cp.Status)
	}
	h := &j.checkpoints
	if cp.ID == 0 {
		cp.ID = h.nextID + 1
	}
	h.nextID = max(h.nextID, cp.ID)
	if cp.NumSubtasks == 0 {
		for _, v := range j.vertices {
			cp.NumSubtasks += v.parallelism
		}
	}
	if cp.Status == flinkapi.CheckpointCompleted && cp.NumAcknowledgedSubtasks == 0 {
		cp.NumAcknowledgedSubtasks = cp.NumSubtasks
	}
	if cp.CheckpointType == "" {
		cp.CheckpointType = "CHECKPOINT"
		if cp.IsSavepoint {
			cp.CheckpointType = "SAVEPOINT"
		}
	}
	h.all = append(h.all, cp)
	return nil
}

func (s *Server) getCheckpoints(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	// Without checkpointing Flink 1.20 and 2.2 answer a streaming job's
	// statistics with 200 and nothing in them (only savepoints, if any).
	b, err := json.Marshal(j.checkpoints.stats())
	var m map[string]any
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "flinktest: encode statistics: "+err.Error())
		return
	}
	if h, ok := m["history"].([]any); ok {
		for _, cp := range h {
			wireCheckpoint(j, cp)
		}
	}
	if l, ok := m["latest"].(map[string]any); ok {
		for _, k := range []string{"completed", "savepoint", "failed"} {
			wireCheckpoint(j, l[k])
		}
	}
	writeJSON(w, http.StatusOK, m)
}

// wireCheckpoint adds to a rendered checkpoint the fields Flink writes that
// flinkapi.Checkpoint omits when empty: savepointFormat (null for a
// checkpoint), tasks (per-vertex statistics, left empty here), and for a
// completed one external_path and discarded.
func wireCheckpoint(j *job, v any) {
	cp, ok := v.(map[string]any)
	if !ok {
		return
	}
	if _, ok := cp["savepointFormat"]; !ok {
		cp["savepointFormat"] = nil
	}
	cp["tasks"] = map[string]any{}
	if cp["className"] == "completed" {
		if _, ok := cp["external_path"]; !ok {
			cp["external_path"] = fmt.Sprintf("file:/tmp/flink-checkpoints/%s/chk-%v", j.id, cp["id"])
		}
		if _, ok := cp["discarded"]; !ok {
			cp["discarded"] = false
		}
	}
}

// stats renders the statistics: counts over all, the newest of each kind,
// the last historySize newest first, and summaries over completed ones.
func (h *checkpointHistory) stats() flinkapi.CheckpointStats {
	st := flinkapi.CheckpointStats{History: []flinkapi.Checkpoint{}}
	var sizes, full, durations, processed, persisted []int64
	for i := range h.all {
		cp := h.all[i]
		st.Counts.Total++
		switch cp.Status {
		case flinkapi.CheckpointCompleted:
			st.Counts.Completed++
			if cp.IsSavepoint {
				st.Latest.Savepoint = &cp
			} else {
				st.Latest.Completed = &cp
			}
			sizes = append(sizes, cp.CheckpointedSize)
			full = append(full, cp.StateSize)
			durations = append(durations, int64(cp.EndToEndDuration))
			processed = append(processed, cp.ProcessedData)
			persisted = append(persisted, cp.PersistedData)
		case flinkapi.CheckpointFailed:
			st.Counts.Failed++
			st.Latest.Failed = &cp
		case flinkapi.CheckpointInProgress:
			st.Counts.InProgress++
		}
	}
	for i := len(h.all) - 1; i >= 0 && len(st.History) < historySize; i-- {
		st.History = append(st.History, h.all[i])
	}
	st.Summary = flinkapi.CheckpointSummary{
		CheckpointedSize: summarize(sizes), StateSize: summarize(full), EndToEndDuration: summarize(durations),
		AlignmentBuffered: zeroSummary(), ProcessedData: summarize(processed), PersistedData: summarize(persisted),
	}
	return st
}

// zeroSummary is what Flink 1.20 and 2.2 write for the deprecated
// alignment_buffered summary: zeros, percentiles included, whatever the
// checkpoints.
func zeroSummary() flinkapi.StatsSummary { return flinkapi.StatsSummary{} }

// summarize computes min, max, mean and percentiles (linear interpolation
// between closest ranks). With no data every percentile is NaN, which Flink
// sends as the string "NaN".
func summarize(xs []int64) flinkapi.StatsSummary {
	nan := flinkapi.Float(math.NaN())
	if len(xs) == 0 {
		return flinkapi.StatsSummary{P50: nan, P90: nan, P95: nan, P99: nan, P999: nan}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	sum := int64(0)
	for _, x := range s {
		sum += x
	}
	q := func(p float64) flinkapi.Float {
		pos := p * float64(len(s)-1)
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(s)-1)
		frac := pos - float64(lo)
		return flinkapi.Float(float64(s[lo]) + frac*float64(s[hi]-s[lo]))
	}
	return flinkapi.StatsSummary{
		Min: s[0], Max: s[len(s)-1], Avg: sum / int64(len(s)),
		P50: q(0.5), P90: q(0.9), P95: q(0.95), P99: q(0.99), P999: q(0.999),
	}
}

func (s *Server) getCheckpointConfig(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	c := j.checkpointing
	if c == nil {
		// Flink 1.20 and 2.2: 200, the interval Long.MAX_VALUE, at least once.
		writeJSON(w, http.StatusOK, flinkapi.CheckpointConfig{
			Mode: flinkapi.AtLeastOnce, Interval: flinkapi.DisabledCheckpointInterval, Timeout: ms(10 * time.Minute),
			MaxConcurrent:   1,
			Externalization: flinkapi.ExternalizedCheckpoints{Enabled: false, DeleteOnCancellation: true},
			StateBackend:    "hashmap", CheckpointStorage: "JobManagerCheckpointStorage",
			CheckpointsAfterTasksFinish: true,
		})
		return
	}
	writeJSON(w, http.StatusOK, flinkapi.CheckpointConfig{
		Mode: c.Mode, Interval: ms(c.Interval), Timeout: ms(c.Timeout), MinPause: ms(c.MinPause),
		MaxConcurrent:   c.MaxConcurrent,
		Externalization: flinkapi.ExternalizedCheckpoints{Enabled: true, DeleteOnCancellation: false},
		StateBackend:    c.StateBackend, CheckpointStorage: "FileSystemCheckpointStorage",
		UnalignedCheckpoints: c.Unaligned, TolerableFailedCheckpoints: c.TolerableFailures,
		AlignedCheckpointTimeout: 0, CheckpointsAfterTasksFinish: true,
	})
}

func ms(d time.Duration) flinkapi.Millis { return flinkapi.Millis(d.Milliseconds()) }
