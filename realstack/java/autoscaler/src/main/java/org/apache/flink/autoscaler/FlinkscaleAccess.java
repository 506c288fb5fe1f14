package org.apache.flink.autoscaler;

import org.apache.flink.autoscaler.metrics.EvaluatedMetrics;

/**
 * Reads what JobAutoScalerImpl last evaluated for a job (a package-private
 * map of the library's), so that each evaluation can be recorded, not only
 * those that end in a scaling report. Lives in the library's package for
 * that access alone; it changes nothing.
 */
public final class FlinkscaleAccess {
    private FlinkscaleAccess() {}

    /** The metrics last evaluated for key, or null. */
    public static <K, C extends JobAutoScalerContext<K>> EvaluatedMetrics lastEvaluated(JobAutoScalerImpl<K, C> scaler, K key) {
        return scaler.lastEvaluatedMetrics.get(key);
    }
}
