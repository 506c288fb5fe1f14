package io.github.flinkscale.realstack.beamjob;

import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * The job's own options. Everything else (runner, flinkMaster, filesToStage,
 * streaming, jobName, parallelism, maxBundleSize, maxBundleTimeMills,
 * finishBundleBeforeCheckpointing, checkpointingInterval,
 * unalignedCheckpointEnabled, ...) is Beam's and the FlinkRunner's and passes
 * through unchanged.
 */
public interface BeamJobOptions extends FlinkPipelineOptions {
    @Description("Kafka bootstrap servers")
    @Validation.Required
    String getBootstrapServers();

    void setBootstrapServers(String value);

    @Description("Comma-separated topics to read (one hot, any number idle)")
    @Validation.Required
    String getInTopics();

    void setInTopics(String value);

    @Description("Topic to write to")
    @Validation.Required
    String getOutTopic();

    void setOutTopic(String value);

    @Description("Kafka consumer group id")
    @Default.String("beamjob")
    String getGroupId();

    void setGroupId(String value);

    @Description("Time spent per record in the stateful Cost step, in microseconds (a timed park)")
    @Default.Long(0)
    long getCostMicros();

    void setCostMicros(long value);

    @Description("If > 0 and payload is empty, payload is filled with this many 'x' characters")
    @Default.Integer(0)
    int getPayloadBytes();

    void setPayloadBytes(int value);

    @Description("An application value carried in the options (and so in every operator and checkpoint)")
    @Default.String("")
    String getPayload();

    void setPayload(String value);
}
