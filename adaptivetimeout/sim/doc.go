// Package sim is a deterministic simulator, in virtual time, of one thread
// reading many Kafka readers: the problem package adaptivetimeout solves.
// It implements adaptivetimeout.Source, so the loops and policies it runs
// are the very ones package kafkaread runs against Kafka.
//
// # Model
//
// Each reader has a partition whose records arrive as its Traffic says
// (Hot: an unlimited backlog; Idle: nothing; Poisson, Periodic, Bursty),
// and a poll thread modelled on Beam's KafkaUnboundedReader: it issues one
// fetch at a time; a fetch is ready Config.Latency after it is issued when
// records are waiting, or Latency/2 after the first record arrives when
// none are (a long poll, as fetch.min.bytes = 1 makes Kafka answer), and
// returns up to MaxBatch records (max.poll.records). The poll thread hands
// its batch over only when the loop asks (Beam's zero-capacity queue), then
// issues the next fetch. So data arrives some time after it is requested,
// and a loop that does not wait long enough misses it.
//
// The loop costs virtual time: VisitCost per look at a reader, RecordCost
// per record emitted, plus every wait and sleep. Readers draw their
// arrivals and fetch jitter from their own seeded streams, so every policy
// and loop sees the same arrivals: results differ only by the decisions.
// The same Config gives the same Result.
//
// # What it reproduces
//
// With Beam's loop (adaptivetimeout.BeamLoop) and Beam's fixed 10 ms wait
// (adaptivetimeout.Fixed), 20 idle readers cap a hot reader at 5.0 records
// per second (a pass costs 20 x 10 ms), and with 30 ms fetches a hot
// reader alone falls from about 100,000 to 8,000 records per second: each
// 10 ms wait times out while its batch is in flight, and the pass ends in
// a 50 ms sleep. The package's tests check both. BenchmarkSkewedRead
// compares the policies on 1 hot and 99 idle readers.
//
// Run and every type here are safe for concurrent use: a run keeps its
// state to itself. This package imports only the standard library and
// adaptivetimeout.
package sim
