package dev.flinkalbert.sql;

import dev.flinkalbert.flink.AlbertTask;
import dev.flinkalbert.flink.BatchPolicy;
import java.io.Serializable;

/**
 * Everything a predict function needs where it runs: the engine task (model directory, session settings, task
 * options; it opens the model), when the asynchronous path flushes a batch, and the checked column layout.
 * Serializable, so that it travels with the job graph.
 *
 * @param batcherName the per-TaskManager batcher of the asynchronous path: models declared with the same options
 *     share one, so that all their subtasks and queries fill its batches together
 * @param defaultMaxConcurrentOperations {@code table.exec.async-ml-predict.max-concurrent-operations} where the
 *     query was planned (a query's own {@code MAP['max-concurrent-operations', …]} overrides it)
 */
record AlbertModelSpec(
        AlbertTask<?> task,
        BatchPolicy batchPolicy,
        ModelColumns.Layout layout,
        String batcherName,
        int defaultMaxConcurrentOperations) implements Serializable {

    /**
     * The batches of a subtask with at most {@code maxConcurrentOperations} rows in flight: never larger than that,
     * so that a batch is not held for its linger waiting for rows that cannot come while the subtask waits for its
     * results.
     */
    BatchPolicy batchPolicy(int maxConcurrentOperations) {
        if (batchPolicy.maxRecords() <= maxConcurrentOperations) {
            return batchPolicy;
        }
        return BatchPolicy.of(maxConcurrentOperations, batchPolicy.maxLinger(), batchPolicy.maxCost());
    }
}
