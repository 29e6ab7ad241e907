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
import org.apache.flink.table.api.TableException;
import org.apache.flink.table.data.GenericRowData;
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

    /**
     * The planner's generated code calls this with the input columns; {@link AsyncPredictFunction#eval} would wrap
     * them in a row, call {@link #asyncPredict} and chain a second future onto the batcher's to complete this one.
     * Here the batcher's future completes {@code result} directly, with what {@code eval} completes it with.
     */
    @Override
    public void eval(CompletableFuture<Collection<RowData>> result, Object... columns) {
        predict(rows.input(columns), result, columns);
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData input) {
        CompletableFuture<Collection<RowData>> result = new CompletableFuture<>();
        predict(rows.input(input), result, null);
        return result;
    }

    /**
     * Queues {@code input} and completes {@code result} with its output rows, or exceptionally when the batcher
     * fails: with the failure itself ({@code columns} null), or as {@code eval} does, naming the input row.
     */
    private void predict(TextInput input, CompletableFuture<Collection<RowData>> result, Object[] columns) {
        CompletableFuture<? extends Outcome<?>> outcome;
        try {
            outcome = lease.submit(input, metrics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(result, e, columns);
            return;
        }
        outcome.whenComplete((done, error) -> {
            if (error != null) {
                fail(result, error, columns);
                return;
            }
            Collection<RowData> out;
            try {
                out = rows(done);
            } catch (RuntimeException e) {
                fail(result, e, columns);
                return;
            }
            result.complete(out);
        });
    }

    private Collection<RowData> rows(Outcome<?> outcome) {
        if (outcome.isSuccess()) {
            return rows.rows(outcome.value());
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("ALBERT model {}: a row failed: {}", spec.task().modelDirectory(), outcome.error().toString());
        }
        return List.of(rows.failure(outcome.error().getMessage()));
    }

    private static void fail(CompletableFuture<Collection<RowData>> result, Throwable error, Object[] columns) {
        result.completeExceptionally(columns == null ? error : new TableException(String.format(
                "Failed to execute asynchronously prediction with input row %s.", GenericRowData.of(columns)), error));
    }

    @Override
    public void close() {
        if (lease != null) {
            lease.close();
        }
    }
}
