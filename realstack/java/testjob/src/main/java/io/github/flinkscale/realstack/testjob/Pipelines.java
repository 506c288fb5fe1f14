package io.github.flinkscale.realstack.testjob;

import java.util.List;
import java.util.Properties;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Builds K independent pipelines into one environment. Pipeline i reads
 * topic in[i] as group groups[i] (default "testjob-i"), keys records by their
 * whole value, passes each through a step that costs cost-us microseconds
 * (a timed park, so capacity is set by parallelism, not by the machine's
 * cores) and counts records per key in keyed state, and writes the record
 * unchanged to out[i].
 *
 * <p>Operator uids are stable ("source-i", "cost-i", "sink-i") so savepoints
 * restore across submissions. Vertex names are "Source: in-i", "Cost i" (with
 * the sink chained behind it unless --chaining false) and "Sink i".
 */
final class Pipelines {
    private Pipelines() {}

    static void build(StreamExecutionEnvironment env, Params p) {
        String bootstrap = p.required("bootstrap-servers");
        List<String> in = p.list("in");
        List<String> out = p.list("out");
        if (in.isEmpty() || in.size() != out.size()) {
            throw new IllegalArgumentException("--in and --out need the same number of topics (>= 1), got "
                    + in + " and " + out);
        }
        List<String> groups = p.list("groups");
        if (!groups.isEmpty() && groups.size() != in.size()) {
            throw new IllegalArgumentException("--groups needs one group per pipeline, got " + groups);
        }
        List<String> costs = p.list("cost-us");
        if (costs.size() > 1 && costs.size() != in.size()) {
            throw new IllegalArgumentException("--cost-us is one value or one per pipeline, got " + costs);
        }
        String jobName = p.get("job-name", "flinkscale-testjob");
        boolean slotSharing = p.getBool("slot-sharing-groups", false);
        boolean exactlyOnce = p.getBool("exactly-once", true);

        env.setParallelism(p.getInt("parallelism", 1));
        int maxP = p.getInt("max-parallelism", 0);
        if (maxP > 0) {
            env.setMaxParallelism(maxP);
        }
        long interval = p.getLong("checkpoint-interval-ms", 2000);
        if (interval > 0) {
            env.enableCheckpointing(interval,
                    exactlyOnce ? CheckpointingMode.EXACTLY_ONCE : CheckpointingMode.AT_LEAST_ONCE);
        }
        if (!p.getBool("chaining", true)) {
            env.disableOperatorChaining();
        }

        for (int i = 0; i < in.size(); i++) {
            String group = groups.isEmpty() ? "testjob-" + i : groups.get(i);
            long costUs = costs.isEmpty() ? 0 : Long.parseLong(costs.size() == 1 ? costs.get(0) : costs.get(i));
            String txnPrefix = p.get("txn-prefix", jobName) + "-" + i;

            KafkaSource<String> source = KafkaSource.<String>builder()
                    .setBootstrapServers(bootstrap)
                    .setTopics(in.get(i))
                    .setGroupId(group)
                    .setClientIdPrefix(jobName + "-source-" + i)
                    .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                    .setValueOnlyDeserializer(new SimpleStringSchema())
                    .setProperty("partition.discovery.interval.ms",
                            String.valueOf(p.getLong("discovery-interval-ms", 10000)))
                    .setProperty("commit.offsets.on.checkpoint", "true")
                    .build();

            Properties producer = new Properties();
            producer.setProperty("transaction.timeout.ms",
                    String.valueOf(p.getLong("transaction-timeout-ms", 600000)));
            KafkaSink<String> sink = KafkaSink.<String>builder()
                    .setBootstrapServers(bootstrap)
                    .setKafkaProducerConfig(producer)
                    .setRecordSerializer(KafkaRecordSerializationSchema.builder()
                            .setTopic(out.get(i))
                            .setValueSerializationSchema(new SimpleStringSchema())
                            .build())
                    .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
                    .setTransactionalIdPrefix(txnPrefix)
                    .build();

            DataStream<String> records = env
                    .fromSource(source, WatermarkStrategy.noWatermarks(), "in-" + i)
                    .uid("source-" + i);
            SingleOutputStreamOperator<String> costed = records
                    .keyBy(v -> v)
                    .process(new CostFunction(costUs))
                    .uid("cost-" + i)
                    .name("Cost " + i);
            DataStreamSink<String> sunk = costed.sinkTo(sink).uid("sink-" + i).name("Sink " + i);
            if (slotSharing) {
                String ssg = "pipeline-" + i;
                ((SingleOutputStreamOperator<String>) records).slotSharingGroup(ssg);
                costed.slotSharingGroup(ssg);
                sunk.slotSharingGroup(ssg);
            }
        }
    }
}
