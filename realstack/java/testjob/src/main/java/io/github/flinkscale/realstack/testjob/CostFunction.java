package io.github.flinkscale.realstack.testjob;

import java.util.concurrent.locks.LockSupport;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Costs a fixed time per record (a timed park, not a busy loop: the subtask
 * is busy for Flink's metrics while its thread leaves the CPU free) and
 * counts records per key in keyed state, then forwards the record.
 */
final class CostFunction extends KeyedProcessFunction<String, String, String> {
    private static final long serialVersionUID = 1L;

    private final long costNanos;
    private transient ValueState<Long> count;

    CostFunction(long costMicros) {
        this.costNanos = costMicros * 1000L;
    }

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
        if (count == null) { // no open(): its signature differs between Flink 1.x and 2.x
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
        }
        Long c = count.value();
        count.update(c == null ? 1L : c + 1);
        if (costNanos > 0) {
            long end = System.nanoTime() + costNanos;
            long left;
            while ((left = end - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
        }
        out.collect(value);
    }
}
