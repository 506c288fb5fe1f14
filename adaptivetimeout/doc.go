// Package adaptivetimeout decides how long one thread reading many Kafka
// readers waits on each, and provides the loop that visits them.
//
// # The problem
//
// Beam's Flink runner drives all of a subtask's Kafka readers from one task
// thread (UnboundedSourceWrapper): it round-robins the readers and takes
// one record per reader per pass, and after a pass in which no reader had
// data it sleeps 50 ms. Each reader (KafkaUnboundedReader) gets its records
// from a poll thread through a zero-capacity queue, and when its current
// batch is used up waits up to 10 ms for the next one. A pass therefore
// costs the sum of the idle readers' waits: with 20 idle readers a hot
// reader emits about 5 records per second, however large its backlog. And
// when a fetch takes longer than the wait (30 ms against a remote broker),
// the wait times out while the batch is in flight, the pass finds nothing
// and sleeps: a partition then reads 100 to 1000 records per second (Beam
// #21630). Beam's fix (PR #29400) adapts each reader's wait by +/-1 ms
// within [1, 20] ms.
//
// # Policies
//
// A Policy decides a reader's wait from what happened on its previous
// waits. It keeps no per-reader state itself: NewReader returns a Reader,
// whose Next(now, last) takes the Outcome of the previous wait (how long
// it waited, how many records came, how long records already in Kafka took
// to arrive, the reader's backlog) and returns the next wait. Implementations:
//
//   - Fixed: the same wait every time; the zero value is Beam's legacy
//     10 ms. NoWait never waits.
//   - BeamAIAD: a faithful model of PR #29400: start at 10 ms, -1 ms after
//     an empty wait, +1 ms after one that found a batch, within [1, 20] ms.
//   - Default: traffic-aware. A reader for which Kafka holds records waits
//     about as long as its fetches take (1.5 x its measured latency + 1 ms);
//     a reader streaming live records waits for the next one it expects
//     from its arrival rate; any other reader is idle and is only looked
//     at (0 ms). Waits lie within [0, 50 ms]; see Default for the reasons.
//   - Func adapts a function; Clamp bounds another policy's waits.
//
// Policies that know their bounds implement Bounded. Package
// adaptivetimeouttest is a conformance suite any Policy can run.
//
// # Loops
//
// The pass structure is half of the problem, so the loop is here too. A
// Loop drives a Source (n readers holding fetched records; package sim
// simulates one in virtual time, package kafkaread builds one over sarama)
// with a Policy, on the caller's goroutine:
//
//   - BeamLoop is the Flink runner's: one record per reader per pass, a
//     wait only when a reader's records are used up, a 50 ms sleep after an
//     all-empty pass.
//   - BatchLoop is ours: a visit delivers up to a budget of records sized
//     by the reader's backlog (500 to 2000 by default) and lasting at most
//     10 ms; an all-empty pass ends by waiting for any reader to have data,
//     never with a fixed sleep.
//
// In the simulator, with 1 hot reader and 99 idle ones receiving 1 record
// per second each, Fixed on BeamLoop gives the hot reader 2 records per
// second and the idle readers' records a p99 delay of 2.2 s, BeamAIAD 7
// records per second and 1.2 s; Default on BatchLoop keeps 99% of the hot
// reader's throughput alone with a p99 of 11 ms. Against Kafka (package
// kafkaread, kfake) the hot partition keeps 92-99% of its rate alone
// (BENCHMARKS.md).
//
// # Unknown figures
//
// An Outcome's Latency and Backlog and a Ready's Backlog are Figures:
// known, or unknown with a Reason (NoPreviousWait, NotMeasured,
// NoFetchResponse, or a Source's own), never a 0 or a -1 standing for
// "not measured". A known 0 backlog is a reader that is caught up; an
// unknown one is a reader whose high watermark nobody has reported, and a
// policy treats it as no evidence of data on its way. Figure and Reason
// are aliases of figure.Figure and figure.Reason, the module's one
// known-or-unknown type: a figure or a reason from backlog or
// checkpointing is the same type here and passes intact, without
// conversion, and the zero Figure is unknown with reason figure.NotGiven.
//
// # Time and concurrency
//
// Policies are pure: they take the time as an argument and never read a
// clock, so a history of outcomes always gives the same waits. Loops read
// the time from their Source. Policies and loops are safe for concurrent
// use; a Reader, and a Loop's Run, belong to one goroutine. This package
// imports only the standard library.
//
//	loop := adaptivetimeout.BatchLoop{}
//	err := loop.Run(ctx, source, &adaptivetimeout.Default{}) // until ctx is done
package adaptivetimeout
