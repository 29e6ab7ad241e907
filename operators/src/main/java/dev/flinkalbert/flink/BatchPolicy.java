package dev.flinkalbert.flink;

import dev.flinkalbert.inference.AlbertEncoder;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.annotation.Internal;

/**
 * When a batch is flushed: at {@link #maxRecords()} records, {@link #maxLinger()} after its first record was
 * buffered, or when the next record would push the sum of {@link BatchProcessor#cost} over {@link #maxCost()}
 * (a record costing more than the budget on its own forms a batch alone). The operator also flushes before each
 * checkpoint barrier, before forwarding a watermark and at end of input.
 */
@Internal
public final class BatchPolicy implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Default records per batch: the engine's batch size, {@link AlbertEncoder#DEFAULT_MAX_BATCH_SIZE}. */
    public static final int DEFAULT_MAX_RECORDS = AlbertEncoder.DEFAULT_MAX_BATCH_SIZE;
    public static final Duration DEFAULT_MAX_LINGER = Duration.ofMillis(20);
    /** No cost budget: batches are bounded by record count and linger only. */
    public static final long UNLIMITED_COST = Long.MAX_VALUE;

    private final int maxRecords;
    private final long maxLingerMillis;
    private final long maxCost;

    private BatchPolicy(int maxRecords, long maxLingerMillis, long maxCost) {
        this.maxRecords = maxRecords;
        this.maxLingerMillis = maxLingerMillis;
        this.maxCost = maxCost;
    }

    /**
     * @param maxRecords at most this many records per batch (at least 1)
     * @param maxLinger how long the first buffered record may wait for others (at least 1 ms)
     * @param maxCost the cost budget per batch, {@link #UNLIMITED_COST} for none (at least 1)
     */
    public static BatchPolicy of(int maxRecords, Duration maxLinger, long maxCost) {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("maxBatchSize must be at least 1, got " + maxRecords);
        }
        Objects.requireNonNull(maxLinger, "maxLinger");
        if (maxLinger.toMillis() < 1) {
            throw new IllegalArgumentException("maxLinger must be at least 1 ms, got " + maxLinger);
        }
        if (maxCost < 1) {
            throw new IllegalArgumentException("maxBatchCost must be at least 1, got " + maxCost);
        }
        return new BatchPolicy(maxRecords, maxLinger.toMillis(), maxCost);
    }

    public static BatchPolicy defaults() {
        return of(DEFAULT_MAX_RECORDS, DEFAULT_MAX_LINGER, UNLIMITED_COST);
    }

    public int maxRecords() {
        return maxRecords;
    }

    public Duration maxLinger() {
        return Duration.ofMillis(maxLingerMillis);
    }

    long maxLingerMillis() {
        return maxLingerMillis;
    }

    public long maxCost() {
        return maxCost;
    }

    /** Whether a batch holding {@code records} records of total {@code cost} is full. */
    boolean isFull(int records, long cost) {
        return records >= maxRecords || cost >= maxCost;
    }

    /** Whether a record of {@code cost} must wait for the next batch because this non-empty one would overflow. */
    boolean overflows(int records, long batchCost, long cost) {
        return records > 0 && cost > maxCost - batchCost;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchPolicy other
                && maxRecords == other.maxRecords
                && maxLingerMillis == other.maxLingerMillis
                && maxCost == other.maxCost;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxRecords, maxLingerMillis, maxCost);
    }

    @Override
    public String toString() {
        return "BatchPolicy{maxRecords=" + maxRecords + ", maxLinger=" + maxLingerMillis + " ms, maxCost="
                + (maxCost == UNLIMITED_COST ? "unlimited" : maxCost) + "}";
    }
}
