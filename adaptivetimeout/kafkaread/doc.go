// Package kafkaread reads many Kafka partitions on one goroutine with
// sarama, the way a Flink source task reads its splits, using an
// adaptivetimeout.Policy to decide how long to wait on each partition and
// an adaptivetimeout.Loop to visit them.
//
// # Model
//
// Run starts a sarama PartitionConsumer per partition, at the Reader's
// positions, and a feeder goroutine per partition that moves the
// consumer's records into a bounded buffer (Config.Buffer, 1024 records by
// default; a full buffer holds back that partition's fetches, sarama's
// own backpressure). The buffers are the loop's adaptivetimeout.Source: a
// Wait on a partition blocks on its buffer (a channel signal, not a
// poll), WaitAny on a signal shared by all, and the backlog the policy
// sees is the partition's high watermark (from sarama's latest fetch
// response) minus the offset after the newest buffered record. The loop
// runs on Run's goroutine and hands records to the Handler in batches of
// one partition: with the default BatchLoop up to 500 to 2000 records
// (sized by the partition's backlog) per visit; with BeamLoop one record
// at a time, as Beam's Flink runner does.
//
//	r, err := kafkaread.New(kafkaread.Config{
//		Brokers:    []string{"kafka-0:9092"},
//		Partitions: []kafkaread.Partition{{Topic: "orders", Partition: 0, Offset: committed}},
//		// Policy: &adaptivetimeout.Default{}, Loop: adaptivetimeout.BatchLoop{} (the defaults)
//	})
//	if err != nil { ... } // wraps kafkaread.ErrInvalidConfig
//	defer r.Close()
//	err = r.Run(ctx, func(ctx context.Context, b kafkaread.Batch) error {
//		return process(b.Records) // an error stops Run; the batch is not counted as read
//	})
//	positions := r.Positions() // next offsets to read: commit these
//
// # Positions
//
// A partition's position is the next offset to read: one past the last
// record a Handler call accepted (returned nil for), which is exactly
// what Kafka expects as a committed offset. A batch whose Handler call
// fails is not counted, so a reader restarted from the positions reads it
// again. Run resolves sarama.OffsetOldest and sarama.OffsetNewest into
// offsets before reading (one ListOffsets request per partition), so the
// positions can be committed even before a record arrives; a start
// offset beyond the log makes Run fail with sarama.ErrOffsetOutOfRange.
//
// # Shutdown
//
// Run returns promptly when ctx is done, with ctx.Err(): no Handler call
// is running or will start, the feeders have exited. The partition
// consumers close in the background, which takes until their fetches in
// flight return (sarama's Consumer.MaxWaitTime, 500 ms by default); Close
// waits for that, and closes the client if New created it, which cuts
// the wait short. After Close every goroutine the Reader started has
// exited (the package's tests check it by counting goroutines). Process-
// wide sarama settings (sarama.Logger, metrics) are never changed.
//
// # Cost
//
// On a 3-broker kfake cluster over loopback on 2 cores, 1 partition with
// a backlog of 1,000,000 records read together with 99 idle ones keeps
// 92-99% of the rate of the same partition read alone with Default and
// BatchLoop (1.9 to 2.5 million records per second), where Beam's loop
// reads 1 record per second with Beam's fixed 10 ms wait and 8 with its
// adaptive one (BENCHMARKS.md, BenchmarkKafkaSkewedRead). The loop itself
// is a few percent of the CPU; sarama's decoding and the garbage collector
// take most of it.
//
// A Reader is safe for concurrent use (Positions from any goroutine),
// but runs one Run at a time.
package kafkaread
