package dev.flinkalbert.flink;

import org.apache.flink.annotation.Internal;

/**
 * What the batching code reports, independent of any metric system ({@link FlinkBatchMetrics} maps it to a Flink
 * metric group). Calls come from the thread that runs the processor.
 */
@Internal
public interface BatchMetrics {

    /** Reports nothing. */
    BatchMetrics NONE = new BatchMetrics() {
        @Override
        public void processed(int batchSize, long latencyNanos, double paddingRatio) {}

        @Override
        public void flushed(long cost, long queueWaitNanos) {}

        @Override
        public void deadLetter() {}
    };

    /** One batch taken out of the buffer (before its processor calls), and why it was flushed then. */
    default void batchFlushed(FlushReason reason) {}

    /**
     * One successful {@link BatchProcessor#process} call (the bisection of a failing batch makes several).
     *
     * @param paddingRatio {@link BatchProcessor#paddingRatio()}, NaN when not measured
     */
    void processed(int batchSize, long latencyNanos, double paddingRatio);

    /** One record taken out of the buffer into a batch, with its cost and the time it waited there. */
    void flushed(long cost, long queueWaitNanos);

    /** One record sent to the dead-letter output. */
    void deadLetter();
}
