package dev.flinkalbert.pipeline;

import dev.flinkalbert.avro.TextEvent;

import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The failure the exactly-once tests inject: passes events through and throws once, after a checkpoint has completed
 * and {@code failAfter} events went by, so that the job restarts from that checkpoint with transactions open. The
 * counters are static (the function runs in the MiniCluster of the same JVM); call {@link #reset()} before a job.
 */
public final class FailOnceAfterCheckpoint extends RichMapFunction<TextEvent, TextEvent> implements CheckpointListener {

    private static final long serialVersionUID = 1L;

    public static final AtomicInteger SEEN = new AtomicInteger();
    public static final AtomicInteger SEEN_AT_FAILURE = new AtomicInteger();
    public static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
    public static final AtomicBoolean FAILED = new AtomicBoolean();

    private final int failAfter;

    public FailOnceAfterCheckpoint(int failAfter) {
        this.failAfter = failAfter;
    }

    /** Clears the counters before a job. */
    public static void reset() {
        SEEN.set(0);
        SEEN_AT_FAILURE.set(0);
        CHECKPOINTED.set(false);
        FAILED.set(false);
    }

    @Override
    public TextEvent map(TextEvent event) throws InterruptedException {
        int seen = SEEN.incrementAndGet();
        if (!FAILED.get()) {
            if (seen >= failAfter && CHECKPOINTED.get() && FAILED.compareAndSet(false, true)) {
                SEEN_AT_FAILURE.set(seen);
                throw new IllegalStateException("injected failure after " + seen + " events");
            }
            // Until the failure, slow enough for checkpoints to complete in between; slower still before the first
            // one, which waits for every task to start (seconds on a loaded machine).
            Thread.sleep(CHECKPOINTED.get() ? 1 : 5);
        }
        return event;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        CHECKPOINTED.set(true);
    }
}
