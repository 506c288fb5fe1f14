package io.github.flinkscale.realstack.autoscaler;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.flink.autoscaler.JobAutoScalerContext;
import org.apache.flink.autoscaler.ScalingSummary;
import org.apache.flink.autoscaler.event.AutoScalerEventHandler;
import org.apache.flink.runtime.jobgraph.JobVertexID;

/**
 * The autoscaler's events as records: every event ("event", with the
 * library's reason and message, e.g. ScalingReport), and each scaling
 * report once more with its figures per vertex ("scaling").
 */
final class Events implements AutoScalerEventHandler<String, JobAutoScalerContext<String>> {
    private final Records records;

    Events(Records records) {
        this.records = records;
    }

    @Override
    public void handleEvent(JobAutoScalerContext<String> ctx, Type type, String reason, String message, String messageKey,
            Duration interval) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("type", type.name());
        f.put("reason", reason);
        f.put("message", message);
        records.write("event", ctx.getJobKey(), f);
    }

    @Override
    public void handleScalingEvent(JobAutoScalerContext<String> ctx, Map<JobVertexID, ScalingSummary> summaries, String message,
            Duration interval) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("message", message);
        f.put("vertices", Records.summaries(summaries));
        records.write("scaling", ctx.getJobKey(), f);
        AutoScalerEventHandler.super.handleScalingEvent(ctx, summaries, message, interval);
    }
}
