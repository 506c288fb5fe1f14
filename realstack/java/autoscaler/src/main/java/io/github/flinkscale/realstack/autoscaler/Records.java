package io.github.flinkscale.realstack.autoscaler;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.apache.flink.autoscaler.ScalingSummary;
import org.apache.flink.autoscaler.metrics.EvaluatedMetrics;
import org.apache.flink.autoscaler.metrics.EvaluatedScalingMetric;
import org.apache.flink.autoscaler.metrics.ScalingMetric;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Writes what the autoscaler does as JSON lines, one record per line,
 * flushed at once (the Go harness reads the file while the JVM runs). A
 * figure that is not a finite number is written as null.
 */
final class Records implements AutoCloseable {
    private final ObjectMapper json = new ObjectMapper();
    private final BufferedWriter out;

    Records(Path path) throws IOException {
        out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Writes one record of kind with its fields. */
    synchronized void write(String kind, String job, Map<String, Object> fields) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("time", Instant.now().toString());
        r.put("kind", kind);
        if (job != null) {
            r.put("job", job);
        }
        r.putAll(fields);
        try {
            out.write(json.writeValueAsString(r));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** The evaluated metrics, per vertex and global. */
    static Map<String, Object> evaluated(EvaluatedMetrics m) {
        Map<String, Object> vertices = new TreeMap<>();
        m.getVertexMetrics().forEach((id, vm) -> vertices.put(id.toHexString(), metrics(vm)));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("vertices", vertices);
        r.put("global", metrics(m.getGlobalMetrics()));
        return r;
    }

    /** A scaling summary per vertex: parallelism now and new, and its metrics. */
    static Map<String, Object> summaries(Map<JobVertexID, ScalingSummary> s) {
        Map<String, Object> vertices = new TreeMap<>();
        s.forEach((id, sum) -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("current", sum.getCurrentParallelism());
            v.put("new", sum.getNewParallelism());
            v.put("metrics", metrics(sum.getMetrics()));
            vertices.put(id.toHexString(), v);
        });
        return vertices;
    }

    private static Map<String, Object> metrics(Map<ScalingMetric, EvaluatedScalingMetric> m) {
        Map<String, Object> r = new TreeMap<>();
        if (m == null) {
            return r;
        }
        m.forEach((k, v) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("current", finite(v.getCurrent()));
            e.put("average", finite(v.getAverage()));
            r.put(k.name(), e);
        });
        return r;
    }

    private static Double finite(double x) {
        return Double.isFinite(x) ? x : null;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
