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
 * What {@link MicroBatchOperator} and {@link PipelinedMicroBatchOperator} share: the per-subtask buffer cut by the
 * {@link BatchPolicy} (count, cost budget, linger timer), the drain before every checkpoint barrier, before forwarding
 * a watermark and at end of input (so the operator keeps no state), the check that nothing is held at a snapshot,
 * and how outcomes become results or dead letters. Subclasses decide where a flushed batch runs.
 *
 * @param <IN> input records
 * @param <OUT> results
 */
@Internal
public abstract class BufferingBatchOperator<IN, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    private final BatchProcessorFactory<IN, OUT> processorFactory;
    final BatchPolicy policy;
    private final DeadLetterFields<IN> deadLetterFields;

    transient BatchProcessor<IN, OUT> processor;
    transient BatchRunner<IN, OUT> runner;
    transient BatchMetrics metrics;
    /** The one record wrapper every result is emitted in, as Flink's own operators do (consumed before collect returns). */
    private transient StreamRecord<OUT> reusedResult;
    private transient List<Buffered<IN>> buffer;
    private transient long bufferCost;
    private transient ScheduledFuture<?> lingerTimer;
    /** Counts flushes, so that a linger timer that fires after its batch was flushed leaves the next one alone. */
    private transient long flushes;

    BufferingBatchOperator(
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
        reusedResult = new StreamRecord<>(null);
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
            flush(FlushReason.FULL);
        }
        buffer.add(new Buffered<>(value, element.hasTimestamp(), element.getTimestamp(), cost, System.nanoTime()));
        bufferCost += cost;
        buffered(1);
        if (policy.isFull(buffer.size(), bufferCost)) {
            flush(FlushReason.FULL);
        } else if (buffer.size() == 1) {
            long deadline = getProcessingTimeService().getCurrentProcessingTime() + policy.maxLingerMillis();
            long batch = flushes;
            lingerTimer = getProcessingTimeService().registerTimer(deadline, time -> {
                if (flushes == batch) {
                    flush(FlushReason.LINGER);
                }
            });
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        drain();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        drain();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        // The operator keeps no state because of the drain before the barrier; a record held here would be lost.
        long held = heldRecords();
        if (held != 0) {
            throw new IllegalStateException(held + " records still buffered or in flight at checkpoint "
                    + context.getCheckpointId());
        }
        super.snapshotState(context);
    }

    @Override
    public void endInput() throws Exception {
        drain();
    }

    @Override
    public void finish() throws Exception {
        drain();
        super.finish();
    }

    /** Runs the buffered batch (where is the subclass's choice); called by the policy, the linger timer and drains. */
    abstract void flush(FlushReason reason) throws Exception;

    /** Emits the results of everything buffered or in flight; returns when nothing is held. */
    abstract void drain() throws Exception;

    /** Records buffered, being prepared or in flight. */
    abstract long heldRecords();

    /** Called when records join (positive) or leave (negative) what the operator holds; a hook for gauges. */
    void buffered(int records) {}

    /** Takes the buffer for a flush (empty when nothing is buffered) and cancels its linger timer. */
    final List<Buffered<IN>> takeBuffer() {
        cancelLingerTimer();
        if (buffer.isEmpty()) {
            return List.of();
        }
        List<Buffered<IN>> batch = buffer;
        buffer = new ArrayList<>(policy.maxRecords());
        bufferCost = 0;
        flushes++;
        return batch;
    }

    final int bufferedRecords() {
        return buffer.size();
    }

    /** Records the flush in the metrics (each record's cost and time buffered) and returns the batch's values. */
    final List<IN> startBatch(List<Buffered<IN>> batch, FlushReason reason) {
        metrics.batchFlushed(reason);
        long now = System.nanoTime();
        List<IN> values = new ArrayList<>(batch.size());
        for (Buffered<IN> record : batch) {
            metrics.flushed(record.cost(), now - record.bufferedNanos());
            values.add(record.value());
        }
        return values;
    }

    /** Emits each record's result, or its dead letter, with the record's timestamp (task thread). */
    final void emit(List<Buffered<IN>> batch, List<Outcome<OUT>> outcomes) {
        for (int i = 0; i < batch.size(); i++) {
            Buffered<IN> record = batch.get(i);
            Outcome<OUT> outcome = outcomes.get(i);
            if (outcome.isSuccess()) {
                if (record.hasTimestamp()) {
                    reusedResult.replace(outcome.value(), record.timestamp());
                } else {
                    reusedResult.replace(outcome.value());
                    reusedResult.eraseTimestamp();
                }
                output.collect(reusedResult);
            } else {
                emitDeadLetter(record.value(), outcome.error(), record.hasTimestamp(), record.timestamp());
            }
        }
    }

    private void emitDeadLetter(IN value, Exception error, boolean hasTimestamp, long timestamp) {
        metrics.deadLetter();
        DeadLetter deadLetter = deadLetterFields.deadLetter(value, processor.failureStage(error), error);
        output.collect(MicroBatching.DEAD_LETTERS,
                hasTimestamp ? new StreamRecord<>(deadLetter, timestamp) : new StreamRecord<>(deadLetter));
    }

    final void cancelLingerTimer() {
        if (lingerTimer != null) {
            lingerTimer.cancel(false);
            lingerTimer = null;
        }
    }

    /** Closes the processor, then the operator; call last in {@code close()}, once nothing uses the processor. */
    final void closeProcessor() throws Exception {
        try {
            if (processor != null) {
                processor.close();
            }
        } finally {
            super.close();
        }
    }

    /** A buffered record with what is needed to emit its result. */
    record Buffered<IN>(IN value, boolean hasTimestamp, long timestamp, long cost, long bufferedNanos) {}
}
