package dev.flinkalbert.flink;

import dev.flinkalbert.inference.Outcome;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.operators.MailboxExecutor;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The {@link MicroBatchOperator} with the engine on a thread of its own: while one batch is in the engine (ONNX
 * Runtime, on the CPU or a GPU), the task thread goes on reading records and preparing ({@link BatchProcessor#prepare},
 * e.g. tokenizing) the next batch. At most {@code batchesInFlight} batches are prepared or running at once; a flush
 * beyond that waits, running the task's mailbox, for the oldest to complete, which backpressures the input. Results
 * are emitted on the task thread (handed back through Flink's mailbox), in input order, with their records'
 * timestamps; failed records go to {@link MicroBatching#DEAD_LETTERS}, a failing batch is bisected as before.
 *
 * <p>No state, as in the synchronous operator: every batch in flight is drained (its results emitted) before a
 * checkpoint barrier leaves ({@code prepareSnapshotPreBarrier}), before a watermark is forwarded and at end of input.
 * The inference thread only runs prepared batches and {@link BatchProcessor#process} (bisection); it never touches
 * the output. Build it with {@link MicroBatching.Builder#pipelined(boolean)}.
 */
@Internal
public final class PipelinedMicroBatchOperator<IN, OUT> extends BufferingBatchOperator<IN, OUT> {

    private static final long serialVersionUID = 1L;

    private final int batchesInFlight;

    private transient MailboxExecutor mailbox;
    private transient ExecutorService inferenceThread;
    /** Batches handed to the inference thread whose results are not emitted yet, oldest first (task thread only). */
    private transient ArrayDeque<InFlight<IN, OUT>> inFlight;
    /** Records in the buffer, being prepared, or in flight (task thread only); its peak is a gauge. */
    private transient int heldRecords;
    private transient int peakHeldRecords;

    PipelinedMicroBatchOperator(BatchProcessorFactory<IN, OUT> processorFactory, BatchPolicy policy,
            DeadLetterFields<IN> deadLetterFields, int batchesInFlight) {
        super(processorFactory, policy, deadLetterFields);
        if (batchesInFlight < 1) {
            throw new IllegalArgumentException("batchesInFlight must be at least 1, got " + batchesInFlight);
        }
        this.batchesInFlight = batchesInFlight;
    }

    /** The most records the operator holds at once: the buffer, one batch being prepared, and those in flight. */
    static long recordBound(BatchPolicy policy, int batchesInFlight) {
        return (long) policy.maxRecords() * (batchesInFlight + 1);
    }

    @Override
    public void open() throws Exception {
        super.open();
        inFlight = new ArrayDeque<>(batchesInFlight);
        getMetricGroup().addGroup(FlinkBatchMetrics.GROUP).gauge("heldRecords", () -> heldRecords);
        getMetricGroup().addGroup(FlinkBatchMetrics.GROUP).gauge("peakHeldRecords", () -> peakHeldRecords);
        // Mails of this executor run on the task thread between records, at this operator's place in the chain.
        mailbox = getContainingTask().getMailboxExecutorFactory().createExecutor(getOperatorConfig().getChainIndex());
        String threadName = "albert-inference-" + getOperatorName() + "-"
                + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        inferenceThread = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void close() throws Exception {
        cancelLingerTimer();
        try {
            if (inferenceThread != null) {
                inferenceThread.shutdownNow(); // a cancelled task: what is queued will never be emitted
                // The processor is closed only after its last run: the engine's buffers are in use until then.
                while (!inferenceThread.awaitTermination(1, TimeUnit.SECONDS)) {
                    LOG.info("Waiting for the inference thread of {} to finish its batch", getOperatorName());
                }
            }
        } finally {
            closeProcessor();
        }
    }

    @Override
    long heldRecords() {
        return heldRecords;
    }

    @Override
    void buffered(int records) {
        heldRecords += records;
        peakHeldRecords = Math.max(peakHeldRecords, heldRecords);
    }

    /** Flushes the buffer, then waits for every batch in flight and emits its results. */
    @Override
    void drain() throws Exception {
        flush(FlushReason.DRAIN);
        while (!inFlight.isEmpty()) {
            mailbox.yield(); // runs the mails that emit completed batches
        }
    }

    /** Hands the buffer to the inference thread, after waiting for room among the batches in flight. */
    @Override
    void flush(FlushReason reason) throws Exception {
        List<Buffered<IN>> batch = takeBuffer();
        if (batch.isEmpty()) {
            return;
        }
        while (inFlight.size() >= batchesInFlight) {
            mailbox.yield(); // backpressure: no record is read until the oldest batch completes
        }
        List<IN> values = startBatch(batch, reason);
        BatchProcessor.PreparedBatch<OUT> prepared;
        try {
            prepared = processor.prepare(values); // on the task thread, while the engine runs the previous batch
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            prepared = () -> {
                throw e; // the inference thread bisects the batch with process()
            };
        }
        InFlight<IN, OUT> entry = new InFlight<>(batch);
        inFlight.addLast(entry);
        BatchProcessor.PreparedBatch<OUT> work = prepared;
        inferenceThread.execute(() -> {
            try {
                entry.outcomes = runner.run(values, work, metrics);
            } catch (Throwable t) {
                entry.failure = t;
            }
            try {
                // The task thread emits in order from the oldest batch.
                mailbox.execute(this::emitCompleted, "emit a completed batch");
            } catch (RuntimeException closed) {
                LOG.debug("A batch completed after the task's mailbox closed (the task was cancelled)", closed);
            }
        });
    }

    /** Emits the results of the completed batches at the head of the queue (task thread). */
    private void emitCompleted() throws Exception {
        while (!inFlight.isEmpty() && inFlight.peekFirst().isDone()) {
            InFlight<IN, OUT> entry = inFlight.removeFirst();
            if (entry.failure != null) {
                // A broken processor (not a bad record: those are failure outcomes) fails the task, as before.
                if (entry.failure instanceof Exception e) {
                    throw e;
                }
                throw (Error) entry.failure;
            }
            emit(entry.batch, entry.outcomes);
            buffered(-entry.batch.size());
        }
    }

    /** A batch given to the inference thread; its result fields are written there, read after the mail. */
    private static final class InFlight<IN, OUT> {
        final List<Buffered<IN>> batch;
        volatile List<Outcome<OUT>> outcomes;
        volatile Throwable failure;

        InFlight(List<Buffered<IN>> batch) {
            this.batch = batch;
        }

        boolean isDone() {
            return outcomes != null || failure != null;
        }
    }
}
