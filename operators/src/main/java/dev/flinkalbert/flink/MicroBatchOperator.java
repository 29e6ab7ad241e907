package dev.flinkalbert.flink;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.inference.Outcome;

import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;

/**
 * Buffers records per subtask and hands them to a {@link BatchProcessor} in batches, flushing by the
 * {@link BatchPolicy} (count, linger, cost budget), before every checkpoint barrier, before forwarding a watermark and
 * at end of input. Nothing stays buffered across a checkpoint, so the operator has no state and keeps exactly-once;
 * no record is overtaken by a watermark that followed it. Each result carries its input's timestamp; failed records
 * go to {@link MicroBatching#DEAD_LETTERS}.
 *
 * <p>Processing runs on the task thread, so a slow processor backpressures the input and the buffer never holds
 * more than {@link BatchPolicy#maxRecords()} records. Build it with {@link MicroBatching#builder()}.
 *
 * <p>Buffered records are kept by reference until their batch is flushed: with object reuse enabled, an operator
 * chained before this one must emit a new object per record (as sources, deserializers and most functions do).
 */
@Internal
public final class MicroBatchOperator<IN, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    private final BatchProcessorFactory<IN, OUT> processorFactory;
    private final BatchPolicy policy;
    private final DeadLetterFields<IN> deadLetterFields;

    private transient BatchProcessor<IN, OUT> processor;
    private transient BatchRunner<IN, OUT> runner;
    private transient BatchMetrics metrics;
    private transient List<Buffered<IN>> buffer;
    private transient long bufferCost;
    private transient ScheduledFuture<?> lingerTimer;
    /** Counts flushes, so that a linger timer that fires after its batch was flushed leaves the next one alone. */
    private transient long flushes;

    MicroBatchOperator(
            BatchProcessorFactory<IN, OUT> processorFactory,
            BatchPolicy policy,
            DeadLetterFields<IN> deadLetterFields) {
        this.processorFactory = Objects.requireNonNull(processorFactory, "processorFactory");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.deadLetterFields = Objects.requireNonNull(deadLetterFields, "deadLetterFields");
    }

    @Override
    public void open() throws Exception {
        super.open();
        buffer = new ArrayList<>(policy.maxRecords());
        metrics = new FlinkBatchMetrics(getMetricGroup());
        processor = processorFactory.create(getRuntimeContext().getDistributedCache());
        runner = new BatchRunner<>(processor);
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        IN value = element.getValue();
        long cost;
        try {
            cost = processor.cost(value);
        } catch (RuntimeException e) {
            emitDeadLetter(value, e, element.hasTimestamp(), element.getTimestamp());
            return;
        }
        if (policy.overflows(buffer.size(), bufferCost, cost)) {
            flush();
        }
        buffer.add(new Buffered<>(value, element.hasTimestamp(), element.getTimestamp(), cost, System.nanoTime()));
        bufferCost += cost;
        if (policy.isFull(buffer.size(), bufferCost)) {
            flush();
        } else if (buffer.size() == 1) {
            long deadline = getProcessingTimeService().getCurrentProcessingTime() + policy.maxLingerMillis();
            long batch = flushes;
            lingerTimer = getProcessingTimeService().registerTimer(deadline, time -> {
                if (flushes == batch) {
                    flush();
                }
            });
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        // The operator keeps no state because of the flush before the barrier; a record here would be lost.
        if (!buffer.isEmpty()) {
            throw new IllegalStateException(buffer.size() + " records still buffered at checkpoint "
                    + context.getCheckpointId());
        }
        super.snapshotState(context);
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        cancelLingerTimer();
        try {
            if (processor != null) {
                processor.close();
            }
        } finally {
            super.close();
        }
    }

    private void flush() throws InterruptedException {
        cancelLingerTimer();
        if (buffer.isEmpty()) {
            return;
        }
        List<Buffered<IN>> batch = buffer;
        buffer = new ArrayList<>(policy.maxRecords());
        bufferCost = 0;
        flushes++;

        long now = System.nanoTime();
        List<IN> values = new ArrayList<>(batch.size());
        for (Buffered<IN> record : batch) {
            metrics.flushed(record.cost, now - record.bufferedNanos);
            values.add(record.value);
        }
        List<Outcome<OUT>> outcomes = runner.run(values, metrics);
        for (int i = 0; i < batch.size(); i++) {
            Buffered<IN> record = batch.get(i);
            Outcome<OUT> outcome = outcomes.get(i);
            if (outcome.isSuccess()) {
                output.collect(record.withValue(outcome.value()));
            } else {
                emitDeadLetter(record.value, outcome.error(), record.hasTimestamp, record.timestamp);
            }
        }
    }

    private void emitDeadLetter(IN value, Exception error, boolean hasTimestamp, long timestamp) {
        metrics.deadLetter();
        DeadLetter deadLetter = deadLetterFields.deadLetter(value, processor.failureStage(error), error);
        output.collect(MicroBatching.DEAD_LETTERS,
                hasTimestamp ? new StreamRecord<>(deadLetter, timestamp) : new StreamRecord<>(deadLetter));
    }

    private void cancelLingerTimer() {
        if (lingerTimer != null) {
            lingerTimer.cancel(false);
            lingerTimer = null;
        }
    }

    /** A buffered record with what is needed to emit its result. */
    private record Buffered<IN>(IN value, boolean hasTimestamp, long timestamp, long cost, long bufferedNanos) {

        <T> StreamRecord<T> withValue(T result) {
            return hasTimestamp ? new StreamRecord<>(result, timestamp) : new StreamRecord<>(result);
        }
    }
}
