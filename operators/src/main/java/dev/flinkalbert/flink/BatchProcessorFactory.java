package dev.flinkalbert.flink;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.cache.DistributedCache;
import org.apache.flink.util.function.SerializableFunction;

import java.io.Serializable;

/**
 * Creates a {@link BatchProcessor} where it runs: in {@code open()} of each operator subtask, or once per TaskManager
 * for a {@link SharedBatcher}. The factory travels with the job graph, so it holds configuration only (model path,
 * thread counts); native resources are made in {@link #create()} and released by {@link BatchProcessor#close()}.
 */
@FunctionalInterface
@PublicEvolving
public interface BatchProcessorFactory<IN, OUT> extends Serializable {

    /** Creates the processor; a failure here fails the task at start-up, so say what to fix. */
    BatchProcessor<IN, OUT> create() throws Exception;

    /**
     * Creates the processor with the job's distributed-cache files at hand, for a model shipped with the job
     * ({@link ModelLocation#resolve}). The per-subtask operator and the shared per-TaskManager batcher both call this
     * one (the latter with the files of the subtask that creates it). By default it ignores the files.
     */
    default BatchProcessor<IN, OUT> create(DistributedCache jobFiles) throws Exception {
        return create();
    }

    /**
     * The same processing for records of another type: each record is turned into this factory's input, and each
     * result is combined with its record (e.g. a {@code TextEvent} into a {@code TextInput}, and the prediction with
     * the event's id and attributes into a result record). Cost, padding and failure stages are the underlying
     * processor's.
     *
     * @param input turns a record into this processor's input; it should not throw (a record it throws on fails
     *     its batch, which is then bisected until that record fails alone)
     * @param result makes a record's result from the record and this processor's result; a record it throws on
     *     fails alone
     */
    default <T, R> BatchProcessorFactory<T, R> adapt(
            SerializableFunction<T, IN> input, ResultFunction<T, OUT, R> result) {
        BatchProcessorFactory<IN, OUT> underlying = this;
        return new BatchProcessorFactory<T, R>() {
            @Override
            public BatchProcessor<T, R> create() throws Exception {
                return new AdaptedProcessor<>(underlying.create(), input, result);
            }

            @Override
            public BatchProcessor<T, R> create(DistributedCache jobFiles) throws Exception {
                return new AdaptedProcessor<>(underlying.create(jobFiles), input, result);
            }
        };
    }

    /** Combines a record with the result of its processing. */
    @FunctionalInterface
    interface ResultFunction<T, OUT, R> extends Serializable {
        R apply(T record, OUT result) throws Exception;
    }
}
