package dev.flinkalbert.demo;

import java.util.Arrays;

/**
 * End-to-end latencies (event time → result read) of the results seen, for the demo's periodic line and summary:
 * counts and nearest-rank percentiles, over everything so far and over the current reporting period. Not
 * thread-safe: one reader thread owns it.
 */
public final class LatencyStats {

    private long[] all = new long[1024];
    private int allCount;
    private long[] period = new long[256];
    private int periodCount;
    private long periodStartNanos = System.nanoTime();

    /** One result, {@code latencyMillis} after its event time. */
    public void add(long latencyMillis) {
        if (allCount == all.length) {
            all = Arrays.copyOf(all, all.length * 2);
        }
        all[allCount++] = latencyMillis;
        if (periodCount == period.length) {
            period = Arrays.copyOf(period, period.length * 2);
        }
        period[periodCount++] = latencyMillis;
    }

    /** Results seen in all. */
    public long count() {
        return allCount;
    }

    /** The {@code p}-th percentile (0 < p ≤ 100) of all latencies, in milliseconds; -1 when there are none. */
    public long percentile(double p) {
        return percentile(all, allCount, p);
    }

    /** The {@code p}-th percentile of the current period's latencies; -1 when there are none. */
    public long periodPercentile(double p) {
        return percentile(period, periodCount, p);
    }

    /** Results per second in the current period. */
    public double periodThroughput() {
        double seconds = (System.nanoTime() - periodStartNanos) / 1e9;
        return seconds > 0 ? periodCount / seconds : 0;
    }

    /** Starts a new reporting period. */
    public void newPeriod() {
        periodCount = 0;
        periodStartNanos = System.nanoTime();
    }

    /**
     * Nearest-rank percentile of the first {@code count} values: the smallest value with at least p % of them at or
     * below it; -1 when there are none.
     */
    public static long percentile(long[] values, int count, double p) {
        if (count == 0) {
            return -1;
        }
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * count);
        return sorted[Math.max(rank, 1) - 1];
    }
}
