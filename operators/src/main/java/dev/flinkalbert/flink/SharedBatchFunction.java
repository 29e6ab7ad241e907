package dev.flinkalbert.flink;

import dev.flinkalbert.avro.DeadLetter;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.api.common.cache.DistributedCache;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.types.Either;

import java.util.List;
import java.util.Objects;

/**
 * Feeds a subtask's records into the per-TaskManager {@link SharedBatcher} called {@code batcherName}, run by Flink's async
 * operator in order ({@link SharedBatchOperatorFactory}; its capacity bounds the records in flight per subtask, and is
 * this subtask's in-flight allowance at the batcher). An async function
 * cannot write to a side output, so each record completes with {@code Either.Right(result)} or
 * {@code Either.Left(deadLetter)}; {@link DeadLetterSplitter} turns the lefts into the
 * {@link MicroBatching#DEAD_LETTERS} side output. {@link MicroBatching.Builder#sharedPerTaskManager} wires both.
 */
@Internal
public final class SharedBatchFunction<IN, OUT> extends RichAsyncFunction<IN, Either<DeadLetter, OUT>>
        implements ResultTypeQueryable<Either<DeadLetter, OUT>> {

    private static final long serialVersionUID = 1L;

    private final String batcherName;
    private final BatchPolicy policy;
    private final int queueCapacity;
    private final int inFlightLimit;
    private final BatchProcessorFactory<IN, OUT> processorFactory;
    private final DeadLetterFields<IN> deadLetterFields;
    private final TypeInformation<OUT> outputType;

    private transient SharedBatcher.Lease<IN, OUT> lease;
    private transient BatchMetrics metrics;
    /** The task's distributed cache, kept before {@link RichAsyncFunction} hides it (see setRuntimeContext). */
    private transient DistributedCache jobFiles;

    SharedBatchFunction(
            String batcherName,
            BatchPolicy policy,
            int queueCapacity,
            int inFlightLimit,
            BatchProcessorFactory<IN, OUT> processorFactory,
            DeadLetterFields<IN> deadLetterFields,
            TypeInformation<OUT> outputType) {
        this.batcherName = Objects.requireNonNull(batcherName, "batcherName");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.queueCapacity = queueCapacity;
        this.inFlightLimit = inFlightLimit;
        this.processorFactory = Objects.requireNonNull(processorFactory, "processorFactory");
        this.deadLetterFields = Objects.requireNonNull(deadLetterFields, "deadLetterFields");
        this.outputType = Objects.requireNonNull(outputType, "outputType");
    }

    /**
     * Keeps the task's distributed cache, which a model shipped with the job ({@link ModelLocation#shipped}) is read
     * from. {@link RichAsyncFunction} wraps the context in one whose {@code getDistributedCache()} throws (its
     * callbacks run on other threads); the cache is only read here and in {@link #open}, on the task thread.
     */
    @Override
    public void setRuntimeContext(RuntimeContext context) {
        try {
            jobFiles = context.getDistributedCache();
        } catch (UnsupportedOperationException e) {
            jobFiles = null; // a context without one (a shipped model then fails in open(), naming the fix)
        }
        super.setRuntimeContext(context);
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        metrics = new FlinkBatchMetrics(getRuntimeContext().getMetricGroup());
        DistributedCache files = jobFiles;
        // The first subtask of the TaskManager to get here creates the processor, from its copy of the job's files.
        lease = SharedBatcher.acquire(
                batcherName, policy, queueCapacity, inFlightLimit, () -> processorFactory.create(files));
        getRuntimeContext().getMetricGroup().addGroup(FlinkBatchMetrics.GROUP)
                .gauge("sharedQueueLength", lease.batcher()::queued);
    }

    @Override
    public void asyncInvoke(IN input, ResultFuture<Either<DeadLetter, OUT>> resultFuture) throws Exception {
        lease.submit(input, metrics).whenComplete((outcome, error) -> {
            if (error != null) {
                resultFuture.completeExceptionally(error);
            } else if (outcome.isSuccess()) {
                resultFuture.complete(List.of(Either.Right(outcome.value())));
            } else {
                Exception failure = outcome.error();
                resultFuture.complete(List.of(Either.Left(
                        deadLetterFields.deadLetter(input, lease.batcher().failureStage(failure), failure))));
            }
        });
    }

    /**
     * This subtask's input ended: its last records need not wait out the linger for records that cannot come.
     * Called by {@link SharedBatchOperatorFactory}'s operator before it waits for its records in flight.
     */
    void endOfInput() {
        if (lease != null) {
            lease.endOfInput();
        }
    }

    @Override
    public void close() {
        if (lease != null) {
            lease.close();
        }
    }

    @Override
    public TypeInformation<Either<DeadLetter, OUT>> getProducedType() {
        return new EitherTypeInfo<>(MicroBatching.DEAD_LETTERS.getTypeInfo(), outputType);
    }
}
