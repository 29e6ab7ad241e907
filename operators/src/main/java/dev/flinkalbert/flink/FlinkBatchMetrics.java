package dev.flinkalbert.flink;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * {@link BatchMetrics} in a Flink metric group, under the sub-group {@value #GROUP}:
 * <ul>
 *   <li>{@code batchSize} (histogram): records per processor call;
 *   <li>{@code paddingPermille} (histogram): padding ratio × 1000, when the processor reports one;
 *   <li>{@code inferenceLatencyMicros} (histogram): time of one processor call;
 *   <li>{@code queueWaitMicros} (histogram): time a record waited in the buffer before its flush;
 *   <li>{@code recordsPerSecond}, {@code costPerSecond} (meters): records and cost units (tokens) flushed;
 *   <li>{@code deadLetters} (counter);
 *   <li>{@code flushesFull}, {@code flushesLinger}, {@code flushesNoMoreInput}, {@code flushesDrain} (counters):
 *       batches by the {@link FlushReason} they were flushed for.
 * </ul>
 */
@Internal
public final class FlinkBatchMetrics implements BatchMetrics {

    public static final String GROUP = "microBatch";
    /** Samples kept per histogram. */
    static final int HISTOGRAM_WINDOW = 1024;

    private final Histogram batchSize;
    private final Histogram paddingPermille;
    private final Histogram latencyMicros;
    private final Histogram queueWaitMicros;
    private final Meter records;
    private final Meter cost;
    private final Counter deadLetters;
    private final Counter[] flushes = new Counter[FlushReason.values().length];

    /** Registers the metrics under {@value #GROUP} in {@code parent}. */
    public FlinkBatchMetrics(MetricGroup parent) {
        MetricGroup group = parent.addGroup(GROUP);
        batchSize = group.histogram("batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        paddingPermille = group.histogram("paddingPermille", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        latencyMicros = group.histogram("inferenceLatencyMicros", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        queueWaitMicros = group.histogram("queueWaitMicros", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        records = group.meter("recordsPerSecond", new MeterView(group.counter("records")));
        cost = group.meter("costPerSecond", new MeterView(group.counter("cost")));
        // In the shared mode both the task thread (a failing cost()) and the flush thread count dead letters.
        deadLetters = group.counter("deadLetters", new ThreadSafeSimpleCounter());
        for (FlushReason reason : FlushReason.values()) {
            flushes[reason.ordinal()] = group.counter(reason.metricName(), new ThreadSafeSimpleCounter());
        }
    }

    @Override
    public void processed(int size, long latencyNanos, double paddingRatio) {
        batchSize.update(size);
        latencyMicros.update(latencyNanos / 1000);
        if (!Double.isNaN(paddingRatio)) {
            paddingPermille.update(Math.round(paddingRatio * 1000));
        }
    }

    @Override
    public void flushed(long recordCost, long queueWaitNanos) {
        records.markEvent();
        cost.markEvent(recordCost);
        queueWaitMicros.update(queueWaitNanos / 1000);
    }

    @Override
    public void deadLetter() {
        deadLetters.inc();
    }

    @Override
    public void batchFlushed(FlushReason reason) {
        flushes[reason.ordinal()].inc();
    }
}
