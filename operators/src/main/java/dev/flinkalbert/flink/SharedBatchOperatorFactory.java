package dev.flinkalbert.flink;

import dev.flinkalbert.avro.DeadLetter;

import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperator;
import org.apache.flink.streaming.api.operators.legacy.YieldingOperatorFactory;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;
import org.apache.flink.types.Either;

/**
 * What {@code AsyncDataStream.orderedWait} makes (Flink's async operator, ordered, no retries), except that the
 * operator tells the {@link SharedBatchFunction} when its input ended before it waits for its records in flight, so
 * that the shared batcher flushes them at once instead of after the linger. Flink's async function has no such call.
 */
@Internal
public final class SharedBatchOperatorFactory<IN, OUT> extends AbstractStreamOperatorFactory<Either<DeadLetter, OUT>>
        implements OneInputStreamOperatorFactory<IN, Either<DeadLetter, OUT>>,
                YieldingOperatorFactory<Either<DeadLetter, OUT>> {

    private static final long serialVersionUID = 1L;

    private final SharedBatchFunction<IN, OUT> function;
    private final long timeoutMillis;
    private final int capacity;

    SharedBatchOperatorFactory(SharedBatchFunction<IN, OUT> function, long timeoutMillis, int capacity) {
        this.function = function;
        this.timeoutMillis = timeoutMillis;
        this.capacity = capacity;
        this.chainingStrategy = ChainingStrategy.ALWAYS; // as Flink's own async operator factory
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<Either<DeadLetter, OUT>>> T createStreamOperator(
            StreamOperatorParameters<Either<DeadLetter, OUT>> parameters) {
        return (T) new EndAwareAsyncWaitOperator<>(parameters, function, timeoutMillis, capacity,
                getProcessingTimeService(), getMailboxExecutor());
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return EndAwareAsyncWaitOperator.class;
    }

    private org.apache.flink.streaming.runtime.tasks.ProcessingTimeService getProcessingTimeService() {
        return processingTimeService;
    }

    /** Flink's async operator, ordered, that says end of input to the shared batcher first. */
    static final class EndAwareAsyncWaitOperator<IN, OUT> extends AsyncWaitOperator<IN, Either<DeadLetter, OUT>> {

        private static final long serialVersionUID = 1L;

        EndAwareAsyncWaitOperator(StreamOperatorParameters<Either<DeadLetter, OUT>> parameters,
                SharedBatchFunction<IN, OUT> function, long timeoutMillis, int capacity,
                org.apache.flink.streaming.runtime.tasks.ProcessingTimeService timeService,
                org.apache.flink.api.common.operators.MailboxExecutor mailboxExecutor) {
            super(parameters, function, timeoutMillis, capacity, AsyncDataStream.OutputMode.ORDERED,
                    AsyncRetryStrategies.NO_RETRY_STRATEGY, timeService, mailboxExecutor);
        }

        @Override
        public void endInput() throws Exception {
            // userFunction, not the constructor's argument: the operator runs on a deserialized copy.
            ((SharedBatchFunction<?, ?>) getUserFunction()).endOfInput();
            super.endInput();
        }
    }
}
