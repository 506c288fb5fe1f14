package flinkapi

import (
	"fmt"
	"net/http"
)

// The checks below refuse answers that decode but cannot be true, so that
// a caller never acts on them: a proxy or cache that serves the details of
// another job, a parallelism of 0 that a controller would divide by, a
// vertex listed twice that would be counted twice. Each refusal is an
// error wrapping ErrDecode and ErrInvalidAnswer. A state name the client
// does not know is not a refusal: it decodes as JobUnknown or ExecUnknown.

// invalidAnswer reports well-formed JSON that cannot be a true answer.
func invalidAnswer(method, path, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s: %w: %s", ErrDecode, method, path, ErrInvalidAnswer, fmt.Sprintf(format, args...))
}

// checkJobDetails holds job details to what Flink answers for job: its
// jid, a state, and vertices with distinct valid IDs and a parallelism of
// at least 1.
func checkJobDetails(path string, job JobID, d *JobDetails) error {
	const get = http.MethodGet
	switch {
	case d.ID == "":
		return decodeMissing(get, path, "jid")
	case d.ID != job:
		return invalidAnswer(get, path, "the details are of job %q, not %s", d.ID, job)
	case d.State == "":
		return decodeMissing(get, path, "state")
	}
	seen := make(map[VertexID]bool, len(d.Vertices))
	for i, v := range d.Vertices {
		if err := v.ID.Validate(); err != nil {
			return invalidAnswer(get, path, "vertex %d: %v", i, err)
		}
		if seen[v.ID] {
			return invalidAnswer(get, path, "vertex %s is listed twice", v.ID)
		}
		seen[v.ID] = true
		if v.Parallelism < 1 {
			return invalidAnswer(get, path, "vertex %s has parallelism %d", v.ID, v.Parallelism)
		}
	}
	return nil
}

// checkVertexDetails holds vertex details to what Flink answers for
// vertex: its id, a parallelism of at least 1, and subtasks numbered
// within it, each once.
func checkVertexDetails(path string, vertex VertexID, d *VertexDetails) error {
	const get = http.MethodGet
	switch {
	case d.ID == "":
		return decodeMissing(get, path, "id")
	case d.ID != vertex:
		return invalidAnswer(get, path, "the details are of vertex %q, not %s", d.ID, vertex)
	case d.Parallelism < 1:
		return invalidAnswer(get, path, "parallelism %d", d.Parallelism)
	}
	seen := make(map[int]bool, len(d.Subtasks))
	for _, st := range d.Subtasks {
		if st.Subtask < 0 || st.Subtask >= d.Parallelism {
			return invalidAnswer(get, path, "subtask %d outside parallelism %d", st.Subtask, d.Parallelism)
		}
		if seen[st.Subtask] {
			return invalidAnswer(get, path, "subtask %d is listed twice", st.Subtask)
		}
		seen[st.Subtask] = true
	}
	return nil
}
