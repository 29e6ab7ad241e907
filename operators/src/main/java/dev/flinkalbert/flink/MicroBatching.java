package dev.flinkalbert.flink;

import dev.flinkalbert.avro.DeadLetter;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.types.Either;
import org.apache.flink.util.OutputTag;

import java.time.Duration;
import java.util.Objects;

/**
 * Micro-batching for a DataStream: records go to a {@link BatchProcessor} in batches, results come out one per
 * record with the record's timestamp, and records that fail go to the {@link #DEAD_LETTERS} side output.
 *
 * <pre>{@code
 * DataStream<String> texts = ...;
 * SingleOutputStreamOperator<Integer> lengths = MicroBatching.<String, Integer>builder()
 *         .processor(() -> batch -> batch.stream().map(text -> Outcome.success(text.length())).toList())
 *         .outputType(Types.INT)
 *         .maxBatchSize(32)                          // flush at 32 records,
 *         .maxLinger(Duration.ofMillis(20))          // or 20 ms after the first buffered one,
 *         .maxBatchCost(4096)                        // or before the sum of cost() would pass 4096
 *         .deadLetterFields(DeadLetterFields.of(text -> text.getBytes(UTF_8), text -> null))
 *         .build()
 *         .apply(texts);
 * DataStream<DeadLetter> deadLetters = lengths.getSideOutput(MicroBatching.DEAD_LETTERS);
 * }</pre>
 *
 * <p>Two modes, same results and dead letters:
 * <ul>
 *   <li>per subtask (default): a {@link MicroBatchOperator} on the task thread. It also flushes before each
 *       checkpoint barrier, before forwarding each watermark and at end of input, so it keeps no state and keeps
 *       exactly-once. A slow processor backpressures the input directly.
 *   <li>{@link Builder#sharedPerTaskManager(String) shared per TaskManager}: every subtask in the JVM feeds one
 *       {@link SharedBatcher} (one processor, one flush thread), so one accelerator sees full batches. Wired as
 *       Flink's ordered async operator ({@link SharedBatchOperatorFactory}) with {@link SharedBatchFunction} (at most
 *       {@link Builder#inFlightPerSubtask} records in flight per subtask, checkpointed by Flink's async operator)
 *       followed by {@link DeadLetterSplitter}. A batch is flushed without waiting for its linger as soon as every
 *       subtask on the batcher has its whole in-flight allowance queued or its input ended, as no record can come. A record still unfinished after {@link Builder#asyncTimeout} fails
 *       the job (and it restarts), as a stuck processor is not a bad record.
 * </ul>
 */
@PublicEvolving
public final class MicroBatching<IN, OUT> {

    /** The side output of records that failed, with reason, stage and original bytes. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    public static final String DEFAULT_NAME = "micro-batch";
    /**
     * Default records in flight per subtask in the shared mode, in batches: twice the flush size, so that one
     * subtask alone fills a batch while its previous one runs.
     */
    public static final int DEFAULT_IN_FLIGHT_BATCHES = 2;
    public static final int DEFAULT_QUEUE_CAPACITY = 256;
    public static final Duration DEFAULT_ASYNC_TIMEOUT = Duration.ofMinutes(5);
    /** Pipelined mode: batches prepared or in the engine at once (one running, one prepared and waiting). */
    public static final int DEFAULT_BATCHES_IN_FLIGHT = 2;

    private final BatchProcessorFactory<IN, OUT> processorFactory;
    private final TypeInformation<OUT> outputType;
    private final BatchPolicy policy;
    private final DeadLetterFields<IN> deadLetterFields;
    private final String name;
    private final String uid;
    private final String sharedBatcherName;
    private final int inFlightPerSubtask;
    private final int queueCapacity;
    private final Duration asyncTimeout;
    private final boolean pipelined;
    private final int batchesInFlight;

    private MicroBatching(Builder<IN, OUT> b, BatchPolicy policy) {
        this.processorFactory = b.processorFactory;
        this.outputType = b.outputType;
        this.policy = policy;
        this.deadLetterFields = b.deadLetterFields;
        this.name = b.name;
        this.uid = b.uid;
        this.sharedBatcherName = b.sharedBatcherName;
        this.inFlightPerSubtask = b.inFlightPerSubtask != null ? b.inFlightPerSubtask
                : (int) Math.min(Integer.MAX_VALUE, (long) DEFAULT_IN_FLIGHT_BATCHES * policy.maxRecords());
        this.queueCapacity = b.queueCapacity == null ? DEFAULT_QUEUE_CAPACITY : b.queueCapacity;
        this.asyncTimeout = b.asyncTimeout == null ? DEFAULT_ASYNC_TIMEOUT : b.asyncTimeout;
        this.pipelined = b.pipelined;
        this.batchesInFlight = b.batchesInFlight == null ? DEFAULT_BATCHES_IN_FLIGHT : b.batchesInFlight;
    }

    public static <IN, OUT> Builder<IN, OUT> builder() {
        return new Builder<>();
    }

    /** Adds the batching step after {@code input}; read dead letters with {@code getSideOutput(DEAD_LETTERS)}. */
    public SingleOutputStreamOperator<OUT> apply(DataStream<IN> input) {
        if (sharedBatcherName == null) {
            SingleOutputStreamOperator<OUT> results = input.transform(name, outputType, pipelined
                    ? new PipelinedMicroBatchOperator<>(processorFactory, policy, deadLetterFields, batchesInFlight)
                    : new MicroBatchOperator<>(processorFactory, policy, deadLetterFields));
            return uid == null ? results : results.uid(uid);
        }
        SharedBatchFunction<IN, OUT> function = new SharedBatchFunction<>(sharedBatcherName, policy, queueCapacity,
                inFlightPerSubtask, processorFactory, deadLetterFields, outputType);
        SingleOutputStreamOperator<Either<DeadLetter, OUT>> async = input.transform(name, function.getProducedType(),
                new SharedBatchOperatorFactory<>(function, asyncTimeout.toMillis(), inFlightPerSubtask));
        SingleOutputStreamOperator<OUT> results =
                async.process(new DeadLetterSplitter<OUT>(), outputType).name(name + "-results");
        if (uid != null) {
            async.uid(uid);
            results.uid(uid + "-results");
        }
        return results;
    }

    /**
     * Settings of a {@link MicroBatching} step. Required: {@link #processor} and {@link #outputType}. The shared
     * mode's settings ({@link #inFlightPerSubtask}, {@link #queueCapacity}, {@link #asyncTimeout}) need
     * {@link #sharedPerTaskManager}.
     */
    public static final class Builder<IN, OUT> {

        private BatchProcessorFactory<IN, OUT> processorFactory;
        private TypeInformation<OUT> outputType;
        private int maxBatchSize = BatchPolicy.DEFAULT_MAX_RECORDS;
        private Duration maxLinger = BatchPolicy.DEFAULT_MAX_LINGER;
        private long maxBatchCost = BatchPolicy.UNLIMITED_COST;
        private DeadLetterFields<IN> deadLetterFields = DeadLetterFields.none();
        private String name = DEFAULT_NAME;
        private String uid;
        private String sharedBatcherName;
        private Integer inFlightPerSubtask;
        private Integer queueCapacity;
        private Duration asyncTimeout;
        private boolean pipelined;
        private Integer batchesInFlight;

        private Builder() {}

        /** Creates the processor in each subtask (or once per TaskManager in the shared mode). Required. */
        public Builder<IN, OUT> processor(BatchProcessorFactory<IN, OUT> factory) {
            this.processorFactory = factory;
            return this;
        }

        /** The type of the results. Required, as the processor's generics are erased. */
        public Builder<IN, OUT> outputType(TypeInformation<OUT> type) {
            this.outputType = type;
            return this;
        }

        /** Flush at this many records; default {@value BatchPolicy#DEFAULT_MAX_RECORDS}. */
        public Builder<IN, OUT> maxBatchSize(int records) {
            this.maxBatchSize = records;
            return this;
        }

        /** Flush this long after the first record of a batch arrived; default 20 ms. */
        public Builder<IN, OUT> maxLinger(Duration linger) {
            this.maxLinger = linger;
            return this;
        }

        /** Flush before the sum of {@link BatchProcessor#cost} (e.g. tokens) would pass this; default unlimited. */
        public Builder<IN, OUT> maxBatchCost(long cost) {
            this.maxBatchCost = cost;
            return this;
        }

        /** What a dead letter records about its input (original bytes, id); default nothing. */
        public Builder<IN, OUT> deadLetterFields(DeadLetterFields<IN> fields) {
            this.deadLetterFields = fields;
            return this;
        }

        /** The operator's name in the job graph; default {@value MicroBatching#DEFAULT_NAME}. */
        public Builder<IN, OUT> name(String name) {
            this.name = name;
            return this;
        }

        /** A stable operator uid, needed to restore savepoints after the job changes. */
        public Builder<IN, OUT> uid(String uid) {
            this.uid = uid;
            return this;
        }

        /** All subtasks in a TaskManager feed the one {@link SharedBatcher} called {@code batcherName}. */
        public Builder<IN, OUT> sharedPerTaskManager(String batcherName) {
            this.sharedBatcherName = batcherName;
            return this;
        }

        /**
         * Shared mode: records in flight per subtask (the async operator's capacity); default
         * {@value MicroBatching#DEFAULT_IN_FLIGHT_BATCHES} × {@link #maxBatchSize}. With less than the batch size,
         * a subtask alone makes batches of this many records (flushed as soon as they are all queued, not after
         * the linger); with more, it queues the next batch while one runs.
         */
        public Builder<IN, OUT> inFlightPerSubtask(int records) {
            this.inFlightPerSubtask = records;
            return this;
        }

        /**
         * Shared mode: records queued for a batch across the TaskManager; default
         * {@value MicroBatching#DEFAULT_QUEUE_CAPACITY}.
         */
        public Builder<IN, OUT> queueCapacity(int records) {
            this.queueCapacity = records;
            return this;
        }

        /** Shared mode: how long a record may take before the job fails; default 5 minutes. */
        public Builder<IN, OUT> asyncTimeout(Duration timeout) {
            this.asyncTimeout = timeout;
            return this;
        }

        /**
         * Per-subtask mode: run the engine on a thread of the operator's own ({@link PipelinedMicroBatchOperator}),
         * so that the task thread reads and prepares (tokenizes) the next batch meanwhile; default off (the
         * processor runs on the task thread). Results, order, dead letters and exactly-once are the same.
         */
        public Builder<IN, OUT> pipelined(boolean pipelined) {
            this.pipelined = pipelined;
            return this;
        }

        /**
         * Pipelined mode: batches prepared or in the engine at once; default
         * {@value MicroBatching#DEFAULT_BATCHES_IN_FLIGHT}. The operator holds at most
         * {@code (batchesInFlight + 1) × maxBatchSize} records.
         */
        public Builder<IN, OUT> batchesInFlight(int batches) {
            this.batchesInFlight = batches;
            return this;
        }

        public MicroBatching<IN, OUT> build() {
            Objects.requireNonNull(processorFactory, "set processor(...): the factory of the batch processor");
            Objects.requireNonNull(outputType, "set outputType(...): the TypeInformation of the results");
            Objects.requireNonNull(deadLetterFields, "deadLetterFields must not be null (use DeadLetterFields.none())");
            Objects.requireNonNull(name, "name must not be null");
            BatchPolicy policy = BatchPolicy.of(maxBatchSize, maxLinger, maxBatchCost); // names a bad setting
            if (batchesInFlight != null && !pipelined) {
                throw new IllegalArgumentException("batchesInFlight applies to the pipelined mode only: set"
                        + " pipelined(true) too, or remove it");
            }
            if (batchesInFlight != null && batchesInFlight < 1) {
                throw new IllegalArgumentException("batchesInFlight must be at least 1, got " + batchesInFlight);
            }
            if (pipelined && sharedBatcherName != null) {
                throw new IllegalArgumentException("pipelined(true) applies to the per-subtask mode: the shared"
                        + " batcher already runs the engine on its own thread; remove one of them");
            }
            if (sharedBatcherName == null) {
                if (inFlightPerSubtask != null || queueCapacity != null || asyncTimeout != null) {
                    throw new IllegalArgumentException("inFlightPerSubtask, queueCapacity and asyncTimeout apply to"
                            + " the shared mode only: set sharedPerTaskManager(name) too, or remove them");
                }
            } else {
                if ((inFlightPerSubtask != null && inFlightPerSubtask < 1)
                        || (queueCapacity != null && queueCapacity < 1)) {
                    throw new IllegalArgumentException("inFlightPerSubtask and queueCapacity must be at least 1, got "
                            + inFlightPerSubtask + " and " + queueCapacity);
                }
                if (asyncTimeout != null && asyncTimeout.toMillis() < 1) {
                    throw new IllegalArgumentException("asyncTimeout must be at least 1 ms, got " + asyncTimeout);
                }
            }
            return new MicroBatching<>(this, policy);
        }
    }
}
