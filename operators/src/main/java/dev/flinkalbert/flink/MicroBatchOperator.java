package dev.flinkalbert.flink;

import dev.flinkalbert.inference.Outcome;

import org.apache.flink.annotation.Internal;

import java.util.List;

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
public final class MicroBatchOperator<IN, OUT> extends BufferingBatchOperator<IN, OUT> {

    private static final long serialVersionUID = 1L;

    MicroBatchOperator(
            BatchProcessorFactory<IN, OUT> processorFactory,
            BatchPolicy policy,
            DeadLetterFields<IN> deadLetterFields) {
        super(processorFactory, policy, deadLetterFields);
    }

    @Override
    public void close() throws Exception {
        cancelLingerTimer();
        closeProcessor();
    }

    /** Runs the batch on the task thread and emits its results. */
    @Override
    void flush(FlushReason reason) throws InterruptedException {
        List<Buffered<IN>> batch = takeBuffer();
        if (batch.isEmpty()) {
            return;
        }
        List<Outcome<OUT>> outcomes = runner.run(startBatch(batch, reason), metrics);
        emit(batch, outcomes);
    }

    @Override
    void drain() throws InterruptedException {
        flush(FlushReason.DRAIN);
    }

    @Override
    long heldRecords() {
        return bufferedRecords();
    }
}
