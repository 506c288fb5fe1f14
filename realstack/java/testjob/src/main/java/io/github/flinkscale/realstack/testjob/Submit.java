package io.github.flinkscale.realstack.testjob;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Submits the test job to a running session cluster through its REST API
 * (POST /jobs, with this jar uploaded) and prints one line "JobID hex" on
 * standard output, then exits 0; any failure exits non-zero with the cause on
 * standard error.
 *
 * <p>Arguments ("--name value"): rest-address, rest-port, jar (this jar's
 * path) for the submission; bootstrap-servers, in and out (comma-separated
 * topics, one pipeline per pair), groups (one consumer group per pipeline;
 * default testjob-i), job-name (flinkscale-testjob), cost-us (one value or one
 * per pipeline; default 0), parallelism (1), max-parallelism (Flink's
 * default), slot-sharing-groups (false: one group per pipeline when true),
 * checkpoint-interval-ms (2000; 0 disables), exactly-once (true: checkpoints
 * and the Kafka sink; false: at-least-once), chaining (true),
 * transaction-timeout-ms (600000), discovery-interval-ms (10000), txn-prefix
 * (the job name), and conf key=value (repeatable: Flink configuration for the
 * job, e.g. a job.autoscaler.* key).
 */
public final class Submit {
    private Submit() {}

    public static void main(String[] args) {
        try {
            Params p = new Params(args);
            Configuration conf = Configuration.fromMap(p.flinkConf());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
                    p.required("rest-address"), Integer.parseInt(p.required("rest-port")), conf, p.required("jar"));
            Pipelines.build(env, p);
            JobClient client = env.executeAsync(p.get("job-name", "flinkscale-testjob"));
            System.out.println("JobID " + client.getJobID());
            System.out.flush();
            System.exit(0);
        } catch (Throwable t) {
            System.err.println("submit failed: " + t);
            t.printStackTrace();
            System.exit(1);
        }
    }
}
