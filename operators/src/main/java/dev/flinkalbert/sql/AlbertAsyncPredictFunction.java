package dev.flinkalbert.sql;

import dev.flinkalbert.flink.BatchMetrics;
import dev.flinkalbert.flink.BatchPolicy;
import dev.flinkalbert.flink.FlinkBatchMetrics;
import dev.flinkalbert.flink.SharedBatcher;
import dev.flinkalbert.inference.Outcome;
import dev.flinkalbert.inference.TextInput;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asynchronous {@code ML_PREDICT} path (Flink's default when a provider offers both): the SQL runtime hands over
 * one row per call, and this function queues it on the per-TaskManager {@link SharedBatcher} of the model, which
 * runs the rows of all subtasks and queries on the model in batches ({@code batch.size}, {@code batch.linger}). The
 * rows in flight per subtask are bounded by ML_PREDICT's {@code max-concurrent-operations} (default 10;
 * {@code table.exec.async-ml-predict.max-concurrent-operations}), and batches are capped at that bound: a larger
 * batch could only fill from several subtasks, and would otherwise wait out its linger for rows that cannot come.
 * Public because the planner's generated code calls it.
 */
@Internal
public final class AlbertAsyncPredictFunction extends AsyncPredictFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AlbertAsyncPredictFunction.class);
    /** Rows waiting for a batch, across the TaskManager: enough for many subtasks' in-flight rows. */
    static final int QUEUE_CAPACITY = 4096;

    private final AlbertModelSpec spec;
    private final BatchPolicy policy;
    private final PredictionRows rows;
    private transient SharedBatcher.Lease<TextInput, ?> lease;
    private transient BatchMetrics metrics;

    /** @param policy the model's, capped at the rows this subtask may have in flight */
    AlbertAsyncPredictFunction(AlbertModelSpec spec, BatchPolicy policy) {
        this.spec = spec;
        this.policy = policy;
        this.rows = new PredictionRows(spec.layout());
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        metrics = new FlinkBatchMetrics(context.getMetricGroup());
        // Queries with other in-flight bounds batch apart: a batcher runs one policy.
        lease = SharedBatcher.acquire(spec.batcherName() + policy, policy, QUEUE_CAPACITY, spec.task());
        context.getMetricGroup().addGroup(FlinkBatchMetrics.GROUP).gauge("sharedQueueLength", lease.batcher()::queued);
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData input) {
        CompletableFuture<? extends Outcome<?>> outcome;
        try {
            outcome = lease.submit(rows.input(input), metrics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        return outcome.thenApply(result -> {
            if (result.isSuccess()) {
                return rows.rows(result.value());
            }
            LOG.debug("ALBERT model {}: a row failed: {}", spec.task().modelDirectory(), result.error().toString());
            return List.of(rows.failure(result.error().getMessage()));
        });
    }

    @Override
    public void close() {
        if (lease != null) {
            lease.close();
        }
    }
}
