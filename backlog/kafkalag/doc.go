// Package kafkalag is a backlog.Source that reads consumer groups' lag from
// Kafka's own offsets with sarama, in a few batched requests.
//
// # Model
//
// For every partition a group reads, a Lag reads three offsets: the
// group's committed offset (the next record it will read), the end offset
// (high watermark) and the log start offset. A backlog.Tracker turns them
// into the partition's backlog: records, bytes (from record sizes the
// Tracker has seen) and time lag (from the history of end offsets it keeps
// across evaluations). Every figure is known or unknown with a reason; an
// unknown figure is never reported as 0.
//
//	lag, err := kafkalag.New(kafkalag.Config{
//		Brokers: []string{"kafka-0:9092", "kafka-1:9092"},
//		Sarama:  saramaConfigWithTLSAndSASL, // optional
//		Groups: []kafkalag.Group{
//			{Name: "orders-enricher", Topics: []string{"orders"}, Reset: backlog.ResetEarliest},
//			{Name: "audit"}, // topics discovered from the group's commits
//		},
//	})
//	if err != nil { ... } // wraps kafkalag.ErrInvalidConfig
//	defer lag.Close()
//	snaps, err := lag.Backlogs(ctx) // one snapshot per group, in Config order
//	src := lag.Group("audit")       // a backlog.Source for one group
//
// # Requests per evaluation
//
// One evaluation (Backlogs, Backlog, or the Source of Group) sends:
//
//   - one OffsetFetch per group to its coordinator, fetching every offset
//     the group committed, all groups concurrently; sarama caches the
//     coordinator lookup (FindCoordinator), so it is sent once per group,
//     not per evaluation;
//   - one Metadata request for the union of the groups' topics, to the
//     broker with the fewest of the Lag's requests in flight; topics are
//     never auto-created;
//   - two ListOffsets requests per leader broker, one for the end offsets
//     and one for the log start offsets (a request may not name a
//     partition twice): brokers concurrently, a broker's two one after the
//     other (sarama sends one request at a time on a connection). End
//     offsets fetched once serve every group reading the same topic, and
//     each broker's partitions are turned into backlog as soon as it has
//     answered, while the others are still answering.
//
// With Config.Liveness, one DescribeGroups per group follows its
// OffsetFetch (1 + 2g + 2b in all): it says which partitions the members of
// a Stable consumer group hold (backlog.Partition.Live), so that
// backlog.Health can tell a live consumer stuck on an offset (STALL) from
// one that stopped (STOP).
//
// The Metadata and ListOffsets requests run concurrently with the
// OffsetFetches when every group lists its topics, after them when topics
// are discovered from the commits.
//
// Config.OnEvaluation reports each evaluation as it ends: its groups, the
// requests it sent (Evaluation.Requests), its wall time and its error;
// package metrics exports them to Prometheus.
//
// So a warm evaluation of g groups on b brokers costs 1 + g + 2b requests
// however many partitions there are: 8 for one group on 3 brokers
// (BenchmarkKafkaLag10k: 10,000 partitions in that many requests, against
// 20,001 when every partition is asked for one at a time). Only on trouble
// are there more: a partition answered NOT_LEADER_OR_FOLLOWER (or another
// sign its leader moved), or whose ListOffsets request failed, is retried
// once, alone, after one more Metadata request (sarama does not refresh
// metadata on NOT_LEADER itself); an OffsetFetch answered
// COORDINATOR_NOT_AVAILABLE or NOT_COORDINATOR looks the coordinator up
// again and is retried, as is one answered COORDINATOR_LOAD_IN_PROGRESS or
// lost with its connection, up to Config.Retries times. A Metadata request
// that fails, or is not answered within a quarter of the time left, is
// sent to the next broker as well (at most 3), and the first answer wins.
// The first evaluation of a client New created also sends one Metadata
// request through the client to register the brokers. With
// Config.SampleSizes, add one Fetch request per leader broker of the
// sampled partitions.
//
// # Timeouts and partial results
//
// Every request is bounded by ctx, by Config.Timeout (per evaluation) and
// by the client's Net timeouts: sarama calls take no context, so each runs
// in a goroutine the evaluation abandons when its time is up, returning at
// once; the abandoned call ends within sarama's timeouts. This holds for
// every sarama call that may wait, not only the requests: a sarama broker
// holds its lock for the whole of a request, so even the client's broker
// lookups can wait for a slow broker. The Lag picks the broker to ask for
// metadata from its own count of requests in flight, not with sarama's
// LeastLoadedBroker, which locks every broker in turn. An evaluation
// therefore returns within about Config.Timeout however slow a broker is.
//
// When Config.Timeout passes, the evaluation returns what it read: the
// partitions of the brokers that answered are reported, the figures a slow
// broker owed are unknown with reason backlog.TimedOut (Partition.Detail
// names the broker and the Timeout), a slow coordinator makes the group's
// committed offsets unknown the same way (and a ScopeError "group <name>"
// says so). Only when nothing was read in time is there no snapshot: no
// broker answered the Metadata request, or, for groups whose topics are
// discovered from their commits, no group's OffsetFetch was answered; the
// error then wraps context.DeadlineExceeded. When the caller's ctx ends
// first, the evaluation returns ctx's error instead: set Config.Timeout
// below the caller's deadline to get partial results.
//
// One limit: a client that has not learnt the cluster's brokers yet (before
// the first evaluation of a client New created answers) can only ask its
// first seed broker, through sarama; while that broker is slow, evaluations
// end at the Timeout without a snapshot. Once the brokers are known, a slow
// one only costs its own partitions.
//
// # sarama quirks handled
//
// ListOffsets does not refresh metadata on NOT_LEADER: the Lag does, once,
// and retries only the partitions that failed. Block errors are
// sarama.ErrNoError on success, never nil. Requests go through the
// client's own brokers (client.Broker, client.Coordinator), so connections
// are shared and reopened by sarama after a failure. A request failing with
// sarama.ErrNotConnected, which sarama returns when two goroutines open the
// same connection at once, never reached the broker and is repeated a
// millisecond later. Metadata requests are sent directly, not through
// client.RefreshMetadata, which sleeps and retries on an unknown topic and
// may auto-create topics.
//
// # Defaults
//
// Timeout 10s per evaluation, 3 OffsetFetch retries 100ms apart, record
// size sampling off, a Tracker of its own, the system clock, logs
// discarded. With Brokers, the client is sarama.NewConfig() with Version V2_8_0_0 unless
// Config.Sarama says otherwise; versions below V0_11_0_0 are rejected.
// New does no I/O. Process-wide sarama settings (sarama.Logger, metrics)
// are never changed.
//
// # How edge cases are reported
//
//   - Nothing committed for a partition, reset policy earliest: records =
//     end - log start (not end: retention may have deleted the start of
//     the log); Partition.NoCommit is set.
//   - Nothing committed, reset policy latest: records = 0, NoCommit set.
//   - A group that never committed: Kafka answers offset -1, kfake answers
//     GROUP_ID_NOT_FOUND; both mean nothing committed, as above. If the
//     group also lists no topics, its snapshot has no partitions and a Note
//     says why.
//   - Committed beyond the end offset (topic deleted and recreated, or
//     truncated): records unknown (backlog.CommittedBeyondEnd), never
//     negative.
//   - Committed below the log start (retention passed the group): records
//     count from the log start.
//   - A partition without a leader: its offsets and figures are unknown
//     (backlog.NoLeader), for that partition only.
//   - A partition whose offsets could not be read after the retry: unknown
//     (backlog.FetchFailed) with the broker's error in Partition.Detail;
//     one whose leader did not answer within Config.Timeout: unknown
//     (backlog.TimedOut), the other brokers' partitions still known.
//   - Partitions added to a topic: they appear in the next evaluation, as
//     NoCommit until the group commits them.
//   - A deleted (or never created) topic: a backlog.ScopeError for it in
//     Snapshot.Errors (scope: the topic, reason backlog.TopicNotFound); the
//     other topics are still reported and the error returned is nil. The
//     Tracker forgets the topic's history.
//   - A group whose offsets cannot be read (coordinator unavailable after
//     the retries, not authorized): a ScopeError with scope "group <name>"
//     and reason FetchFailed (TimedOut when the coordinator did not answer
//     within Config.Timeout); its partitions keep their end offsets, with
//     records unknown for the same reason.
//
// Backlogs returns an error only when it has no snapshot at all: ctx done
// (the error wraps ctx's error), no broker answered the Metadata request,
// nothing was read within Config.Timeout (the error wraps
// context.DeadlineExceeded), or the Lag is closed (ErrClosed).
//
// # Concurrency
//
// A Lag is safe for concurrent use: evaluations may run concurrently (each
// sends its own requests; call Backlogs to share them among groups), and
// the Tracker it shares is safe for concurrent use. Close does not close a
// Client passed in Config.
package kafkalag
