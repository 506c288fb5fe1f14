package io.github.flinkscale.realstack.testjob;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The test job as a program for "flink run": builds the pipelines on the
 * context's environment and runs them. See Submit for the arguments.
 */
public final class TestJob {
    private TestJob() {}

    public static void main(String[] args) throws Exception {
        Params p = new Params(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Pipelines.build(env, p);
        env.execute(p.get("job-name", "flinkscale-testjob"));
    }
}
