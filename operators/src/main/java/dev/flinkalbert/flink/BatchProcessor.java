package dev.flinkalbert.flink;

import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.inference.InferenceException;
import dev.flinkalbert.inference.Outcome;

import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The work done on one flushed batch: tokenize and run a model, or anything else that is cheaper per record when
 * done for many records at once.
 *
 * <p>A processor is created per user from a {@link BatchProcessorFactory} (one per {@link MicroBatchOperator}
 * subtask, or one per TaskManager for a {@link SharedBatcher}) and is called by one thread at a time, except
 * {@link #cost}, which may be called from any thread.
 *
 * <p>Failures: a record that cannot be processed gets {@link Outcome#failure(Exception)} in its slot and goes to the dead-letter
 * output; an exception thrown by {@link #process} means the whole batch failed, and the caller bisects the batch
 * (halves, recursively) to find the records that make it fail. {@link Error}s and {@link InterruptedException} are
 * not bisected: they fail the job.
 *
 * @param <IN> the record type
 * @param <OUT> the result type
 */
@SuppressWarnings("try") // close() may throw any exception, as native resources' close() do
@PublicEvolving
public interface BatchProcessor<IN, OUT> extends AutoCloseable {

    /**
     * Processes one batch.
     *
     * @return one outcome per input, in input order
     * @throws Exception when the batch as a whole failed
     */
    List<Outcome<OUT>> process(List<IN> batch) throws Exception;

    /**
     * {@link #process} in two steps, for the pipelined operator: this call, on the task thread, does the per-record
     * work that needs no engine (e.g. tokenization); the returned run, on the operator's inference thread, does the
     * rest (the engine and the heads) while the task thread prepares the next batch. Prepared batches are run one at
     * a time, in order, on that one thread; {@link #process} may also be called there (to bisect a failed batch), so
     * this method must only touch what is safe beside it (thread-safe tokenizers, fresh lists). By default all of the
     * work is left to the run.
     *
     * @throws Exception when the batch as a whole failed (it is then bisected with {@link #process})
     */
    default PreparedBatch<OUT> prepare(List<IN> batch) throws Exception {
        return () -> process(batch);
    }

    /** What is left of {@link #process} after {@link #prepare}. */
    @FunctionalInterface
    @PublicEvolving
    interface PreparedBatch<OUT> {
        /**
         * @return one outcome per input, in input order
         * @throws Exception when the batch as a whole failed (it is then bisected with {@link #process})
         */
        List<Outcome<OUT>> run() throws Exception;
    }

    /**
     * The record's share of a batch's cost budget ({@link BatchPolicy#maxCost()}), such as its token count. Called
     * once per record, before it is buffered, possibly from several threads at once. A {@link RuntimeException}
     * here sends the record to the dead-letter output.
     */
    default long cost(IN record) {
        return 1;
    }

    /**
     * The share of padding in the last batch {@link #process} returned, between 0 and 1, or NaN when the processor
     * does not pad. Reported as a metric right after each successful {@link #process} call.
     */
    default double paddingRatio() {
        return Double.NaN;
    }

    /**
     * The stage recorded on the dead letter of a record that failed with {@code error}: the exception of its own
     * failure {@link Outcome}, the one its {@link #cost} threw, or the one {@link #process} threw on it alone when a
     * failed batch was bisected. The default says {@link FailureStage#INFERENCE} for every failure; ALBERT's
     * processors tell tokenizer failures ({@link FailureStage#TOKENIZE}) from {@link InferenceException}s.
     */
    default FailureStage failureStage(Exception error) {
        return FailureStage.INFERENCE;
    }

    @Override
    default void close() throws Exception {}
}
