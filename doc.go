// Package flinkscale is a Go library for platform teams that run Apache
// Beam and Apache Flink streaming jobs reading Kafka on their own
// infrastructure (usually Kubernetes) and must keep them fast, cheap and
// correct while they autoscale.
//
// The library is a set of independent packages, each an interface with
// default implementations, that you compose into your own controller:
//
//   - flinkapi: a typed, retrying, context-aware client for the Flink
//     JobManager REST API; flinkapi/flinktest is an in-process fake
//     JobManager with the same wire format and fault injection.
//   - backlog: Kafka backlog per partition in records, bytes and time.
//   - adaptivetimeout: poll-timeout policies for one thread reading many
//     partitions of skewed traffic.
//   - slotalloc: placing the subtasks of many pipelines onto TaskManager
//     slots evenly.
//   - checkpointing: bundle and checkpoint sizing policies and an advisor.
//   - drain: stop-with-drain as a resumable state machine.
//   - autoscale: backlog-based scaling policies, a controller loop and a
//     deterministic simulator.
//
// Packages are layered: pure decision cores (standard library only) at the
// bottom, adapters to Flink and Kafka above them, and reference programs in
// examples/ on top. Imports only point down. See README.md for the current
// state of each package. This root package holds documentation and
// ErrInvalidConfig, the root of every package's configuration error; the
// clock package holds the one Clock every loop and fake takes.
package flinkscale
