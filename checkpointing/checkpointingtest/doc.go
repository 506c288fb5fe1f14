// Package checkpointingtest holds conformance suites for the interfaces of
// package checkpointing, in the manner of testing/slogtest: any
// BundlePolicy, CheckpointPolicy or Advisor, ours or yours, can run
// RunBundlePolicy, RunCheckpointPolicy or RunAdvisor from a test to check
// that it keeps the contract documented on the interface. Each suite takes
// a function returning a new implementation, called once per subtest, so
// an implementation that keeps state starts fresh in each:
//
//	checkpointingtest.RunAdvisor(t, func() checkpointing.Advisor { return newMyAdvisor() })
//
// The suites are deterministic and use no timers; they are safe to run in
// parallel tests.
package checkpointingtest
