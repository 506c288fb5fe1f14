package io.github.flinkscale.realstack.beamjob;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.VoidSerializer;

/**
 * flinkscale's Beam job: ReadKafka (KafkaIO, the listed topics) -> KeyByValue
 * (key = the record value as UTF-8) -> Cost (keyed stateful DoFn: a per-key
 * count in ValueState and a timed park of costMicros per record, emitting the
 * value unchanged) -> WriteKafka (KafkaIO, null key, plain at-least-once).
 *
 * <p>Run as a client JVM with the shaded jar alone on the classpath:
 *
 * <pre>
 * java -cp beamjob.jar io.github.flinkscale.realstack.beamjob.Main --runner=FlinkRunner
 *   --flinkMaster=127.0.0.1:PORT --filesToStage=beamjob.jar --streaming=true
 *   --bootstrapServers=... --inTopics=a,b,c --outTopic=o [--groupId=beamjob] [--costMicros=N]
 *   [--payloadBytes=N] [--jobName=...] [--parallelism=N] [--checkpointingInterval=MS] ...
 * </pre>
 *
 * <p>Submission is detached unless --attachedMode=true is given; on success it
 * prints exactly one line "JobID &lt;32 hex&gt;" on stdout and exits 0. Every
 * other output goes to stderr. Exit 1 on failure.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        try {
            String jobId = run(args);
            if (jobId != null) {
                System.out.println("JobID " + jobId);
            } else {
                System.err.println("beamjob: submitted, but the job id could not be read"
                        + " (find the job by name via GET /jobs/overview)");
            }
            System.out.flush();
            System.exit(0);
        } catch (Throwable t) {
            System.err.println("beamjob: submit failed: " + t);
            t.printStackTrace();
            System.err.flush();
            System.exit(1);
        }
    }

    static String run(String[] args) throws Exception {
        PipelineOptionsFactory.register(BeamJobOptions.class);
        List<String> argv = new ArrayList<>(Arrays.asList(args));
        // The FlinkRunner (the only runner bundled) and detached submission
        // by default: the client must return once the job is submitted.
        if (argv.stream().noneMatch(a -> a.startsWith("--runner="))) {
            argv.add("--runner=FlinkRunner");
        }
        if (argv.stream().noneMatch(a -> a.startsWith("--attachedMode"))) {
            argv.add("--attachedMode=false");
        }
        BeamJobOptions opts = PipelineOptionsFactory.fromArgs(argv.toArray(new String[0]))
                .withValidation().as(BeamJobOptions.class);
        PipelineResult result = build(opts).run();
        return jobIdOf(result);
    }

    /**
     * Builds the pipeline: ReadKafka -> KeyByValue -> Cost -> WriteKafka.
     * Fills the payload option first (payloadBytes 'x' characters if payload
     * is empty) so that it is serialized into the job with the options.
     */
    public static Pipeline build(BeamJobOptions opts) {
        if (opts.getPayloadBytes() > 0 && (opts.getPayload() == null || opts.getPayload().isEmpty())) {
            char[] x = new char[opts.getPayloadBytes()];
            Arrays.fill(x, 'x');
            opts.setPayload(new String(x));
        }

        List<String> topics = new ArrayList<>();
        for (String t : opts.getInTopics().split(",")) {
            if (!t.trim().isEmpty()) {
                topics.add(t.trim());
            }
        }
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("--inTopics lists no topic");
        }
        Map<String, Object> consumer = new HashMap<>();
        consumer.put("group.id", opts.getGroupId());
        consumer.put("auto.offset.reset", "earliest");
        consumer.put("enable.auto.commit", false); // offsets are committed on checkpoint finalize

        Pipeline p = Pipeline.create(opts);
        p.apply("ReadKafka", KafkaIO.<byte[], byte[]>read()
                        .withBootstrapServers(opts.getBootstrapServers())
                        .withTopics(topics)
                        .withKeyDeserializer(ByteArrayDeserializer.class)
                        .withValueDeserializer(ByteArrayDeserializer.class)
                        .withConsumerConfigUpdates(consumer)
                        .commitOffsetsInFinalize()
                        .withoutMetadata())
                .apply("KeyByValue", ParDo.of(new KeyByValue()))
                .apply("Cost", ParDo.of(new Cost(opts.getCostMicros())))
                .apply("WriteKafka", KafkaIO.<Void, byte[]>write()
                        .withBootstrapServers(opts.getBootstrapServers())
                        .withTopic(opts.getOutTopic())
                        .withKeySerializer(VoidSerializer.class)
                        .withValueSerializer(ByteArraySerializer.class)
                        .values());
        return p;
    }

    /**
     * The Flink job id behind a FlinkRunner result. FlinkDetachedRunnerResult
     * (detached submission) keeps the Flink JobClient in a private field and
     * exposes no getter; read it reflectively. Null if not found (e.g. an
     * attached run, whose result has no job id).
     */
    static String jobIdOf(PipelineResult result) {
        for (Class<?> c = result.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!org.apache.flink.core.execution.JobClient.class.isAssignableFrom(f.getType())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    Object client = f.get(result);
                    if (client != null) {
                        return ((org.apache.flink.core.execution.JobClient) client).getJobID().toHexString();
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    System.err.println("beamjob: cannot read the job id from " + c.getName() + ": " + e);
                }
            }
        }
        return null;
    }

    /** Keys each record by its value, read as UTF-8. */
    static final class KeyByValue extends DoFn<KV<byte[], byte[]>, KV<String, byte[]>> {
        private static final long serialVersionUID = 1L;

        @ProcessElement
        public void process(@Element KV<byte[], byte[]> rec, OutputReceiver<KV<String, byte[]>> out) {
            byte[] v = rec.getValue();
            String key = v == null ? "" : new String(v, StandardCharsets.UTF_8);
            out.output(KV.of(key, v == null ? new byte[0] : v));
        }
    }

    /**
     * Counts records per key in keyed state and spends costMicros per record
     * (a timed park, not a busy loop), then emits the value unchanged.
     */
    static final class Cost extends DoFn<KV<String, byte[]>, byte[]> {
        private static final long serialVersionUID = 1L;

        private final long costNanos;

        @StateId("count")
        private final StateSpec<ValueState<Long>> countSpec = StateSpecs.value(VarLongCoder.of());

        Cost(long costMicros) {
            this.costNanos = costMicros * 1000L;
        }

        @ProcessElement
        public void process(@Element KV<String, byte[]> rec, @StateId("count") ValueState<Long> count,
                OutputReceiver<byte[]> out) {
            Long c = count.read();
            count.write(c == null ? 1L : c + 1);
            if (costNanos > 0) {
                long end = System.nanoTime() + costNanos;
                long left;
                while ((left = end - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(left);
                }
            }
            out.output(rec.getValue());
        }
    }
}
