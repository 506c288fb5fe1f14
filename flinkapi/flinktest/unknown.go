package flinktest

import (
	"fmt"
	"net/http"

	"github.com/flinkscale/flinkscale/flinkapi"
)

// unknownJob answers a request about a job the server does not hold, as
// Flink 1.20.5 and 2.2.1 do (measured, see docs/flinktest-fidelity.md; a
// stop on an unknown job is assumed to answer as a savepoint does):
//   - GET status and GET resource-requirements: 500, the handler lets
//     FlinkJobNotFoundException through;
//   - the metric endpoints: 200 with an empty array (the metric store has
//     nothing for the job);
//   - POST savepoints and stop: 202 with a trigger ID; the operation then
//     completes with a FlinkJobNotFoundException as its failure cause;
//   - GET savepoints/{triggerid}: that failed operation, else 404;
//   - everything else: 404.
//
// s.mu must be held.
func (s *Server) unknownJob(w http.ResponseWriter, r *http.Request, id flinkapi.JobID) {
	switch r.Pattern {
	case "GET /jobs/{jobid}/status", "GET /jobs/{jobid}/resource-requirements":
		writeError(w, http.StatusInternalServerError, "Internal server error.",
			"<Exception on server side:\njava.util.concurrent.CompletionException: "+jobNotFound(id)+
				"\n\tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable(CompletableFuture.java:332)\n\nEnd of exception on server side>")
	case "GET /jobs/{jobid}/metrics", "GET /jobs/{jobid}/vertices/{vertexid}/subtasks/metrics":
		writeJSON(w, http.StatusOK, []any{})
	case "POST /jobs/{jobid}/savepoints", "POST /jobs/{jobid}/stop":
		var body struct {
			TriggerID flinkapi.TriggerID `json:"triggerId"`
		}
		if !decodeBody(w, r, &body) {
			return
		}
		now := s.cfg.Clock.Now()
		ops := s.orphans[id]
		if ops == nil {
			ops = map[flinkapi.TriggerID]*operation{}
			s.orphans[id] = ops
		}
		if body.TriggerID == "" {
			body.TriggerID = flinkapi.TriggerID(hexID(fmt.Sprintf("%s/orphan/%d/%d", id, len(ops), now.UnixNano())))
		} else if err := body.TriggerID.Validate(); err != nil {
			writeError(w, http.StatusBadRequest, "Request did not match expected format: "+err.Error())
			return
		}
		if _, dup := ops[body.TriggerID]; !dup {
			ops[body.TriggerID] = &operation{id: body.TriggerID, done: true, doneAt: now,
				failure: exceptionCause("org.apache.flink.runtime.messages.FlinkJobNotFoundException", fmt.Sprintf("Could not find Flink job (%s)", id))}
		}
		writeJSON(w, http.StatusAccepted, map[string]flinkapi.TriggerID{"request-id": body.TriggerID})
	case "GET /jobs/{jobid}/savepoints/{triggerid}":
		if op := s.orphans[id][flinkapi.TriggerID(r.PathValue("triggerid"))]; op != nil &&
			s.cfg.Clock.Now().Sub(op.doneAt) <= s.cfg.AsyncStoreDuration {
			writeOperation(w, op)
			return
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("There is no savepoint operation with triggerId=%s for job %s.", r.PathValue("triggerid"), id))
	default:
		writeError(w, http.StatusNotFound, "org.apache.flink.runtime.rest.NotFoundException: Job "+string(id)+" not found")
	}
}

// jobNotFound is the message of Flink's FlinkJobNotFoundException.
func jobNotFound(id flinkapi.JobID) string {
	return fmt.Sprintf("org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (%s)", id)
}
