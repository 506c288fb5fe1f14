package io.github.flinkscale.realstack.autoscaler;

import java.net.URI;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.flink.autoscaler.FlinkscaleAccess;
import org.apache.flink.autoscaler.JobAutoScalerContext;
import org.apache.flink.autoscaler.JobAutoScalerImpl;
import org.apache.flink.autoscaler.RestApiMetricsCollector;
import org.apache.flink.autoscaler.ScalingExecutor;
import org.apache.flink.autoscaler.ScalingMetricEvaluator;
import org.apache.flink.autoscaler.metrics.EvaluatedMetrics;
import org.apache.flink.autoscaler.state.InMemoryAutoScalerStateStore;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.client.JobStatusMessage;

/**
 * The operator's autoscaler (org.apache.flink:flink-autoscaler) in a loop
 * over a session cluster's jobs, as its standalone entrypoint runs it:
 * every interval, for each job not in a terminal state, one call of
 * JobAutoScalerImpl.scale with the configuration given here (the job's own
 * configuration is not merged in). Everything it evaluates, reports and
 * realizes is written to the records file as JSON lines.
 *
 * <pre>
 * OperatorAutoscaler --rest http://127.0.0.1:8081 --records out.jsonl [--interval-ms 5000] [--apply]
 *     [--conf job.autoscaler.enabled=true ...]
 * </pre>
 */
public final class OperatorAutoscaler {
    private OperatorAutoscaler() {}

    public static void main(String[] args) throws Exception {
        String rest = null;
        String recordsPath = null;
        long intervalMs = 5000;
        boolean apply = false;
        Configuration conf = new Configuration();
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rest":
                    rest = args[++i];
                    break;
                case "--records":
                    recordsPath = args[++i];
                    break;
                case "--interval-ms":
                    intervalMs = Long.parseLong(args[++i]);
                    break;
                case "--apply":
                    apply = true;
                    break;
                case "--conf": {
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--conf wants key=value, got " + kv);
                    }
                    conf.setString(kv.substring(0, eq), kv.substring(eq + 1));
                    given.put(kv.substring(0, eq), kv.substring(eq + 1));
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (rest == null || recordsPath == null) {
            throw new IllegalArgumentException("--rest and --records are required");
        }
        URI u = URI.create(rest);
        conf.set(RestOptions.ADDRESS, u.getHost());
        conf.set(RestOptions.PORT, u.getPort());

        try (Records records = new Records(Paths.get(recordsPath))) {
            Events events = new Events(records);
            InMemoryAutoScalerStateStore<String, JobAutoScalerContext<String>> store = new InMemoryAutoScalerStateStore<>();
            JobAutoScalerImpl<String, JobAutoScalerContext<String>> scaler = new JobAutoScalerImpl<>(
                    new RestApiMetricsCollector<>(), new ScalingMetricEvaluator(), new ScalingExecutor<>(events, store),
                    events, new Realizer(records, apply, rest), store);
            Map<String, Object> start = new LinkedHashMap<>();
            start.put("autoscaler", JobAutoScalerImpl.class.getPackage().getImplementationVersion());
            start.put("flinkClient", RestClusterClient.class.getPackage().getImplementationVersion());
            start.put("apply", apply);
            start.put("intervalMs", intervalMs);
            start.put("conf", given);
            records.write("start", null, start);

            Map<String, EvaluatedMetrics> seen = new HashMap<>();
            while (true) {
                long t0 = System.nanoTime();
                try (RestClusterClient<String> client = new RestClusterClient<>(conf, "flinkscale-realstack")) {
                    for (JobStatusMessage j : client.listJobs().get(30, TimeUnit.SECONDS)) {
                        if (j.getJobState().isGloballyTerminalState()) {
                            continue;
                        }
                        String key = j.getJobId().toHexString();
                        JobAutoScalerContext<String> ctx = new JobAutoScalerContext<>(key, j.getJobId(), j.getJobState(), conf,
                                new UnregisteredMetricsGroup(), () -> new RestClusterClient<>(conf, "flinkscale-realstack"));
                        Map<String, Object> call = new LinkedHashMap<>();
                        call.put("state", j.getJobState().name());
                        try {
                            scaler.scale(ctx);
                        } catch (Exception e) {
                            call.put("error", e.toString());
                        }
                        records.write("call", key, call);
                        EvaluatedMetrics m = FlinkscaleAccess.lastEvaluated(scaler, key);
                        if (m != null && m != seen.get(key)) {
                            seen.put(key, m);
                            records.write("evaluation", key, Records.evaluated(m));
                        }
                    }
                } catch (Exception e) {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("error", e.toString());
                    records.write("call", null, f);
                }
                long left = intervalMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                if (left > 0) {
                    Thread.sleep(left);
                }
            }
        }
    }
}
