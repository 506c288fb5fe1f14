package flinktest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/flinkscale/flinkscale/flinkapi"
)

func (s *Server) getResourceRequirements(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	out := flinkapi.ResourceRequirements{}
	for _, v := range j.vertices {
		out[v.id] = flinkapi.VertexResources{Parallelism: v.bounds}
	}
	writeJSON(w, http.StatusOK, out)
}

// putResourceRequirements replaces the requirements of every vertex, as the
// adaptive scheduler does: the body must name each vertex of the job with
// 1 <= lowerBound <= upperBound <= maxParallelism. When a vertex's
// parallelism changes the job restarts (RESTARTING, then RUNNING with new
// timestamps and one more numRestarts). Each vertex runs at its upperBound
// when the free slots allow it; otherwise the fake scales every vertex down
// in proportion, never below its lowerBound (a simplification of the
// adaptive scheduler's slot matching).
func (s *Server) putResourceRequirements(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	var req flinkapi.ResourceRequirements
	if !decodeBody(w, r, &req) {
		return
	}
	if j.state.IsGloballyTerminal() { // Flink 1.20.5 and 2.2.1 answer 500 here
		writeError(w, http.StatusInternalServerError, "Internal server error.",
			fmt.Sprintf("<Exception on server side:\njob %s has already reached a terminal state (%s)\nEnd of exception on server side>", j.id, j.state))
		return
	}
	if msg := validateRequirements(j, req); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	for _, v := range j.vertices {
		v.bounds = req[v.id].Parallelism
	}
	next := s.fitToSlots(j, now)
	changed := false
	for _, v := range j.vertices {
		v.next = next[v.id]
		changed = changed || v.next != v.parallelism
	}
	if changed {
		s.restart(j, now)
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

func validateRequirements(j *job, req flinkapi.ResourceRequirements) string {
	for id := range req {
		if j.vertex(id) == nil {
			return fmt.Sprintf("Job vertex %s does not exist in job %s.", id, j.id)
		}
	}
	for _, v := range j.vertices {
		rr, ok := req[v.id]
		if !ok {
			return fmt.Sprintf("Missing resource requirements for job vertex %s.", v.id)
		}
		p := rr.Parallelism
		if p.LowerBound < 1 || p.UpperBound < p.LowerBound || p.UpperBound > v.maxParallelism {
			return fmt.Sprintf("Invalid parallelism bounds [%d, %d] for job vertex %s (max parallelism %d).",
				p.LowerBound, p.UpperBound, v.id, v.maxParallelism)
		}
	}
	return ""
}

// fitToSlots picks each vertex's parallelism from its bounds and the slots
// free for this job.
func (s *Server) fitToSlots(j *job, now time.Time) map[flinkapi.VertexID]int {
	free := s.cfg.TaskManagers * s.cfg.SlotsPerTaskManager
	p := s.placement(now)
	for k := range p.slot {
		if k.job != j.id {
			free--
		}
	}
	demand := map[string]int{}
	total := 0
	for _, v := range j.vertices {
		demand[v.group] = max(demand[v.group], v.bounds.UpperBound)
	}
	for _, d := range demand {
		total += d
	}
	out := make(map[flinkapi.VertexID]int, len(j.vertices))
	for _, v := range j.vertices {
		n := v.bounds.UpperBound
		if total > free && total > 0 {
			n = max(v.bounds.LowerBound, v.bounds.UpperBound*free/total)
		}
		out[v.id] = n
	}
	return out
}

// patchRescaling is the legacy rescaling endpoint, which Flink keeps
// answering 503 "temporarily disabled". Never use it; use
// resource-requirements.
func (s *Server) patchRescaling(w http.ResponseWriter, r *http.Request, j *job, now time.Time) {
	writeError(w, http.StatusServiceUnavailable, "Rescaling is temporarily disabled. See FLINK-12312.")
}
