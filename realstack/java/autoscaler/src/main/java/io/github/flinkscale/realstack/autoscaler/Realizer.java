package io.github.flinkscale.realstack.autoscaler;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.apache.flink.autoscaler.JobAutoScalerContext;
import org.apache.flink.autoscaler.realizer.ScalingRealizer;
import org.apache.flink.autoscaler.tuning.ConfigChanges;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Applies the autoscaler's parallelism overrides in place, as the
 * standalone autoscaler does on a session cluster with the adaptive
 * scheduler: PUT /jobs/{id}/resource-requirements with each overridden
 * vertex's upper bound set to its new parallelism (lower bound 1), only
 * when that changes the job's requirements. In shadow mode (apply false)
 * it records the overrides and sends nothing. Configuration overrides
 * (memory tuning) are recorded, never applied.
 */
final class Realizer implements ScalingRealizer<String, JobAutoScalerContext<String>> {
    private final Records records;
    private final boolean apply;
    private final String rest;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();

    Realizer(Records records, boolean apply, String rest) {
        this.records = records;
        this.apply = apply;
        this.rest = rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
    }

    @Override
    public void realizeParallelismOverrides(JobAutoScalerContext<String> ctx, Map<String, String> overrides) throws Exception {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("overrides", new TreeMap<>(overrides));
        f.put("apply", apply);
        if (!apply || overrides.isEmpty()) {
            f.put("sent", false);
            records.write("realize", ctx.getJobKey(), f);
            return;
        }
        URI uri = URI.create(rest + "/jobs/" + ctx.getJobID().toHexString() + "/resource-requirements");
        HttpResponse<String> got = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (got.statusCode() != 200) {
            throw new IllegalStateException("GET " + uri + ": " + got.statusCode() + " " + got.body());
        }
        ObjectNode req = (ObjectNode) json.readTree(got.body());
        boolean changed = false;
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            JsonNode v = req.get(e.getKey());
            if (v == null) {
                continue; // not a vertex of this job
            }
            ObjectNode par = (ObjectNode) v.get("parallelism");
            int p = Integer.parseInt(e.getValue());
            if (par.get("upperBound").asInt() != p || par.get("lowerBound").asInt() != 1) {
                par.put("lowerBound", 1);
                par.put("upperBound", p);
                changed = true;
            }
        }
        f.put("sent", changed);
        if (changed) {
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(req))).build(),
                    HttpResponse.BodyHandlers.ofString());
            f.put("status", put.statusCode());
            if (put.statusCode() / 100 != 2) {
                records.write("realize", ctx.getJobKey(), f);
                throw new IllegalStateException("PUT " + uri + ": " + put.statusCode() + " " + put.body());
            }
        }
        records.write("realize", ctx.getJobKey(), f);
    }

    @Override
    public void realizeConfigOverrides(JobAutoScalerContext<String> ctx, ConfigChanges changes) {
        if (changes.getOverrides().isEmpty() && changes.getRemovals().isEmpty()) {
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("configOverrides", new TreeMap<>(changes.getOverrides()));
        f.put("configRemovals", changes.getRemovals());
        records.write("config", ctx.getJobKey(), f);
    }
}
