// Package realstack starts the real systems flinkscale talks to (Apache
// Kafka in KRaft mode, Apache Flink) as local JVMs on 127.0.0.1, for
// integration tests: the project's own "real tier", and your controllers'
// integration tests too.
//
// # Tiers
//
// flinkscale's tests come in two tiers. The fast tier (`go test ./...`)
// runs in process against models: kfake for Kafka, flinktest for Flink.
// The real tier runs the same adapters against the real systems started by
// this package; its tests carry the build tag realstack, so the fast tier
// never compiles them and never needs Java:
//
//	go test -tags realstack -count=1 -p 1 -timeout 20m ./...
//
// Where the tiers disagree, the real one wins: the fake is fixed.
//
// # What it needs
//
// Go, Java 17 or newer (JAVA_HOME/bin/java, else java on PATH) and Maven
// 3.8 or newer (mvn on PATH) with access to Maven Central; Linux (macOS
// works, without the parent-death signal). No jar or binary is committed:
// the jars are resolved by committed pom.xml files (maven/kafka/pom.xml,
// embedded in this package) into a cache directory, once per pom content
// and version, and reused by every later run:
//
//   - $FLINKSCALE_REALSTACK_CACHE when set, else
//     os.UserCacheDir()/flinkscale-realstack (~/.cache/flinkscale-realstack);
//   - the jars themselves land in Maven's local repository (~/.m2).
//
// # Kafka
//
// NewKafka (or StartKafka in a test) starts Apache Kafka 4.x (default
// DefaultKafkaVersion, from org.apache.kafka:kafka_2.13) in KRaft mode:
// each node is a combined broker and controller with its own port, log
// directory and log file, the storage formatted by kafka.tools.StorageTool
// with one cluster ID, the server run as `java -cp ... kafka.Kafka
// server.properties`. One node by default; with three, topics default to
// replication factor 3 and min.insync.replicas 2, and the quorum of three
// controllers survives one node stopped. Broker(i).Stop and Broker(i).Start
// stop and restart a node with the same log directory (a controlled
// shutdown: its leaders move first), Broker(i).Kill ends it as a crash
// would. A node is ready when it answers a Metadata request (sarama) that
// lists itself and, at start, every node: never a sleep.
//
//	k := realstack.StartKafka(t, realstack.KafkaConfig{Brokers: 3})
//	client, err := sarama.NewClient(k.Addrs(), k.SaramaConfig())
//	...
//	err = k.Broker(1).Stop(ctx) // node 2 down: two of three replicas in sync
//
// StartKafka reads the release from FLINKSCALE_REALSTACK_KAFKA_VERSION
// when the config names none, so a suite can run against another 4.x.
//
// What a real cluster does that kfake does not, and tests must allow for:
// right after the start, the first group operations may be answered
// NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS while __consumer_offsets
// loads; a new partition is listed with a leader before that leader
// accepts writes (NOT_LEADER_OR_FOLLOWER for a moment); brokers apply
// metadata changes one after the other, so two brokers may briefly list
// different partition counts; a node killed keeps its leaderships until
// the controller fences it (about 9 s); one CreateTopics or
// CreatePartitions may not add 10,000 partitions or more (POLICY_VIOLATION).
//
// # Processes
//
// Every JVM is started by StartProcess: in its own process group, with
// stdout and stderr appended to a log file in the run directory, and (on
// Linux) with the parent-death signal SIGKILL, so a test binary that dies,
// times out or is interrupted never leaves a JVM behind. Process.WaitReady
// polls a probe until it succeeds, the process exits (an *ExitError naming
// the exit status and the log file, with its last lines), or its deadline
// passes; Stop sends SIGTERM to the group, waits a grace period, then
// SIGKILL. Every wait is bounded. Ports are picked free on 127.0.0.1
// (FreePorts); a port given explicitly that is taken fails with
// ErrPortInUse before anything starts.
//
// # Testing helpers
//
// StartKafka(t, cfg) starts a cluster for a test and registers a cleanup
// that stops every process; when the test failed it keeps the run
// directory, logs its path and the last lines of every process log, and
// otherwise removes it. NewKafka and Kafka.Close do the same without a
// testing.TB, for use in your own harnesses.
//
// # The operator's autoscaler
//
// NewAutoscaler (or StartAutoscaler in a test) runs the Flink Kubernetes
// Operator's autoscaler beside a session cluster, in its own JVM, for
// comparing it with our policies on the same live job. The operator
// publishes it without Kubernetes as
// org.apache.flink:flink-autoscaler-standalone, but the Maven repository
// this project's machines reach serves none of its releases (1.7.0 to
// 1.15.0, each tried on 2026-12-07), and of the library it wraps,
// org.apache.flink:flink-autoscaler, only 1.7.0 and 1.10.0. So the harness
// builds a small loop of ours (java/autoscaler) on the library
// (DefaultAutoscalerVersion, 1.10.0, the operator's metric collection over
// the REST API, its evaluation and its scaling decisions, unchanged) with
// the cluster's flink-clients: every AutoscalerConfig.Interval, one
// JobAutoScalerImpl.scale call per job not in a terminal state, as the
// standalone entrypoint makes. It differs from the standalone module in
// that the job's own configuration is not merged in (every key goes in
// AutoscalerConfig.Options), its state is in memory, and it writes what it
// evaluated, reported and realized as JSON lines (Records,
// AutoscalerRecord). By default it only recommends
// (job.autoscaler.scaling.enabled false, AutoscalerShortWindows); with
// Apply and scaling enabled it rescales in place through PUT
// /jobs/{id}/resource-requirements, as the standalone autoscaler does with
// the adaptive scheduler. Durations in Options must be in Flink's form
// (FlinkDuration), not Go's.
//
// # Times and memory
//
// Measured on the project's machine: 2 cores shared with other sessions'
// JVMs (load average 3-16 during the runs), Java 17, Kafka 4.3.2 and
// 4.4.0, -Xmx512m, C1 only and the serial GC:
//
//   - Resolving Kafka's classpath from an empty Maven repository: 1 min 44 s
//     (67 MB, 45 jars); with the jars in ~/.m2 but a new cache entry: 3.5 s;
//     from the realstack cache: under 1 ms.
//   - NewKafka, one node, to ready (storage formatted, Metadata answered):
//     5-13 s (the format 1.4-2.5 s of it); three nodes: 10-37 s (format
//     4-8 s); under 30 s for one and 2 min for three at load 10-13.
//   - A node restarted: 3.5-10 s. A clean stop (SIGTERM, controlled
//     shutdown): 0.6 s for one node, 2.6-4.9 s for one of three; Close
//     kills at once.
//   - Memory (RSS): one idle node 330 MiB; three 975-1015 MiB in all; one
//     topic of 10,000 partitions (3 records each): 625-650 MiB on one node,
//     1.4 GiB on three.
//
// The Kafka part of the real tier fits a 2-core, 24 GiB machine with room
// to spare; what other work on the machine takes from it is CPU.
//
// # Concurrency
//
// Kafka, Broker and Process are safe for concurrent use. Maven resolution
// (ResolveClasspath, BuildProject) is safe across goroutines and processes
// sharing a cache directory: a lock file serialises work on one cache
// entry.
package realstack
