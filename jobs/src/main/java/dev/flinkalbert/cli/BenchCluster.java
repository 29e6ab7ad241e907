package dev.flinkalbert.cli;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * One MiniCluster that every job of a benchmark runs on, started once and kept, as a TaskManager is kept in
 * production. {@code env.execute()} would start and stop a cluster per job, and on a small machine the shutdown of the
 * last one (RPC services, the TaskManager's threads, a few hundred ms of CPU) runs into the next timed pass.
 */
final class BenchCluster implements AutoCloseable {

    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(30);
    /** Slots of the one TaskManager: enough for {@code --parallelism} up to the machine's cores, and at least 4. */
    static final int SLOTS = Math.max(4, Runtime.getRuntime().availableProcessors());

    private final MiniCluster cluster;

    BenchCluster() throws Exception {
        Configuration config = new Configuration();
        cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(config)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(SLOTS)
                .withRandomPorts()
                .build());
        cluster.start();
    }

    /** An environment whose job graph {@link #execute} or {@link #submit} runs here (parallelism 1). */
    static StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(new Configuration());
        env.setParallelism(1);
        return env;
    }

    /** Runs the job built in {@code env} to its end. */
    void execute(StreamExecutionEnvironment env) throws Exception {
        JobID job = submit(env);
        JobResult result = cluster.requestJobResult(job).get(JOB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!result.isSuccess()) {
            Throwable cause = result.getSerializedThrowable()
                    .<Throwable>map(t -> t.deserializeError(getClass().getClassLoader()))
                    .orElse(new IllegalStateException("no cause recorded"));
            throw new IllegalStateException("benchmark job " + job + " failed: " + cause.getMessage(), cause);
        }
    }

    /** Starts the job built in {@code env}; returns once it runs. */
    JobID submit(StreamExecutionEnvironment env) throws Exception {
        JobID job = cluster.submitJob(env.getStreamGraph()).get().getJobID();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        JobStatus status;
        while ((status = cluster.getJobStatus(job).get()) == JobStatus.INITIALIZING || status == JobStatus.CREATED) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("benchmark job " + job + " did not start within a minute");
            }
            Thread.sleep(20);
        }
        return job;
    }

    /** Cancels a job started by {@link #submit} and waits until it is gone. */
    void cancel(JobID job) throws Exception {
        cluster.cancelJob(job).get();
        cluster.requestJobResult(job).get(JOB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
