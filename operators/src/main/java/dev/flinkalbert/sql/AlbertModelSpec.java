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
 */
record AlbertModelSpec(AlbertTask<?> task, BatchPolicy batchPolicy, ModelColumns.Layout layout, String batcherName)
        implements Serializable {}
