package dev.flinkalbert.flink;

import org.apache.flink.annotation.Internal;

/**
 * Why a batch was flushed, counted per reason in {@link FlinkBatchMetrics} ({@code flushes<Reason>}), so that a
 * batcher that waits out its linger on every batch shows as such.
 */
@Internal
public enum FlushReason {
    /** The batch reached its record count or cost budget. */
    FULL("flushesFull"),
    /** The first record waited the whole linger. */
    LINGER("flushesLinger"),
    /**
     * Shared batcher: every caller has its whole in-flight allowance queued (or said its input ended), so no record
     * can come before this batch completes; waiting for the linger would only add latency.
     */
    NO_MORE_INPUT("flushesNoMoreInput"),
    /** Before a checkpoint barrier, a watermark, at end of input, or while the batcher closes. */
    DRAIN("flushesDrain");

    private final String metricName;

    FlushReason(String metricName) {
        this.metricName = metricName;
    }

    /** The counter's name in {@link FlinkBatchMetrics#GROUP}. */
    public String metricName() {
        return metricName;
    }
}
