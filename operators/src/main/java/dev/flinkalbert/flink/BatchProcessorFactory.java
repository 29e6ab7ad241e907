package dev.flinkalbert.flink;

import java.io.Serializable;
import org.apache.flink.api.common.cache.DistributedCache;

/**
 * Creates a {@link BatchProcessor} where it runs: in {@code open()} of each operator subtask, or once per TaskManager
 * for a {@link SharedBatcher}. The factory travels with the job graph, so it holds configuration only (model path,
 * thread counts); native resources are made in {@link #create()} and released by {@link BatchProcessor#close()}.
 */
@FunctionalInterface
public interface BatchProcessorFactory<IN, OUT> extends Serializable {

    /** Creates the processor; a failure here fails the task at start-up, so say what to fix. */
    BatchProcessor<IN, OUT> create() throws Exception;

    /**
     * Creates the processor with the job's distributed-cache files at hand, for a model shipped with the job
     * ({@link ModelLocation#resolve}). The per-subtask operator calls this one; the shared per-TaskManager batcher
     * calls {@link #create()}, as Flink's async functions have no distributed cache. By default it ignores the files.
     */
    default BatchProcessor<IN, OUT> create(DistributedCache jobFiles) throws Exception {
        return create();
    }
}
