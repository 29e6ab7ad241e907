package dev.flinkalbert.flink;

import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.PredictorLimits;
import dev.flinkalbert.inference.SessionSettings;
import dev.flinkalbert.inference.TaskSpec;
import dev.flinkalbert.inference.TextInput;

import org.apache.avro.specific.SpecificRecord;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.function.SerializableFunction;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@link AlbertClassifier}, {@link AlbertEmbedder}, {@link AlbertAnswerer} and {@link AlbertTokenClassifier} share: an {@link AlbertTask} run
 * by the {@link MicroBatching} operator with the batching, session and model-identity settings of their builders.
 * Each subclass is one head's DataStream layer: its {@link TaskSpec} options and its Avro result mapping
 * ({@link #apply(DataStream)}, {@link #resultClass()}); everything else is here, so that jobs, the demo and the
 * benches handle every head alike.
 *
 * @param <P> the engine's result of one input
 * @param <R> the Avro result of one {@link TextEvent}
 */
@PublicEvolving
public abstract class AlbertTransform<P, R extends SpecificRecord> implements Serializable {

    private static final long serialVersionUID = 1L;

    private final AlbertTask<P> task;
    private final int flushBatches;
    private final Duration maxLinger;
    private final String sharedBatcherName;
    private final boolean pipelined;
    private final String name;
    private final String uid;
    private final String modelId;
    private final String modelVersion;

    AlbertTransform(Builder<?, ?> b, TaskSpec<P> spec) {
        this.task = b.task(spec);
        this.flushBatches = b.flushBatches;
        this.maxLinger = b.maxLinger;
        this.sharedBatcherName = b.sharedBatcherName;
        // By default the engine gets its own thread where it runs on a GPU: there the device computes while the task
        // thread tokenizes. On the CPU, with a slot per core, the cores are already busy and the hand-over costs more
        // than it gains (see README, Benchmarks).
        this.pipelined = b.pipelined != null ? b.pipelined
                : b.sharedBatcherName == null && task.sessionSettings().wantsCuda();
        this.name = b.name;
        this.uid = b.uid;
        this.modelId = b.modelId != null ? b.modelId : String.valueOf(b.location.directory().getFileName());
        this.modelVersion = b.modelVersion;
    }

    /**
     * The builder of {@code task}'s operator, for code that runs any head alike (the demo, tools): the one place
     * of the DataStream layer that maps a task to its operator.
     */
    public static Builder<?, ? extends AlbertTransform<?, ?>> builder(dev.flinkalbert.inference.ModelTask task) {
        return switch (task) {
            case CLASSIFICATION -> AlbertClassifier.builder();
            case EMBEDDINGS -> AlbertEmbedder.builder();
            case QUESTION_ANSWERING -> AlbertAnswerer.builder();
            case TOKEN_CLASSIFICATION -> AlbertTokenClassifier.builder();
        };
    }

    /** The engine task the operator runs (for the SQL functions, or {@link AlbertTask#open()} to check early). */
    public AlbertTask<P> task() {
        return task;
    }

    /** The id written into results: the model directory's name unless set. */
    public String modelId() {
        return modelId;
    }

    /** The version written into results, or null. */
    public String modelVersion() {
        return modelVersion;
    }

    /** The results' Avro class. */
    public abstract Class<R> resultClass();

    /** One result per event; failures on {@link MicroBatching#DEAD_LETTERS}. */
    public abstract SingleOutputStreamOperator<R> apply(DataStream<TextEvent> events);

    /**
     * Opens and checks the model now, where the job is built: see {@link AlbertTask#open()}.
     *
     * @throws dev.flinkalbert.inference.InvalidModelException listing every problem of the model directory
     */
    public AlbertModel open() {
        return task.open();
    }

    /**
     * The model over records of any type: each record is turned into a {@link TextInput}, each prediction combined
     * with its record into a result. Dead letters go to {@link MicroBatching#DEAD_LETTERS}.
     *
     * @param input the record's text (a null text, or one the tokenizer refuses, makes a dead letter)
     * @param result the record's result from the record and the prediction
     * @param resultType the results' type
     * @param deadLetterFields what a dead letter records about its record (original bytes, id)
     */
    public <T, O> SingleOutputStreamOperator<O> apply(DataStream<T> records, SerializableFunction<T, TextInput> input,
            BatchProcessorFactory.ResultFunction<T, P, O> result, TypeInformation<O> resultType,
            DeadLetterFields<T> deadLetterFields) {
        task.location().prepare(records.getExecutionEnvironment());   // checks, and ships the model when asked
        MicroBatching.Builder<T, O> batching = MicroBatching.<T, O>builder()
                .processor(task.adapt(input, result))
                .outputType(resultType)
                .maxBatchSize(task.limits().maxBatchSize() * flushBatches)
                .maxLinger(maxLinger)
                .maxBatchCost((long) task.limits().tokenBudget() * flushBatches)
                .deadLetterFields(deadLetterFields)
                .name(name);
        if (uid != null) {
            batching.uid(uid);
        }
        if (sharedBatcherName != null) {
            batching.sharedPerTaskManager(sharedBatcherName);
        }
        if (pipelined) {
            batching.pipelined(true);
        }
        return batching.build().apply(records);
    }

    /**
     * Settings every ALBERT operator has. Required: {@link #modelDirectory} or {@link #modelLocation}.
     *
     * @param <B> the concrete builder
     * @param <T> what it builds
     */
    public abstract static class Builder<B extends Builder<B, T>, T> {

        /**
         * Default {@link #flushBatches}: a flush holds up to four calls' worth, so that sorting by length has
         * something to sort (one call's worth in arrival order pads every row to the longest of 32 random lengths).
         */
        public static final int DEFAULT_FLUSH_BATCHES = 4;

        private ModelLocation location;
        private String device = SessionSettings.DEFAULT_DEVICE;
        private int intraOpThreads = SessionSettings.DEFAULT_INTRA_OP_THREADS;
        private int interOpThreads = SessionSettings.DEFAULT_INTER_OP_THREADS;
        private PredictorLimits limits = PredictorLimits.DEFAULTS;
        private int flushBatches = DEFAULT_FLUSH_BATCHES;
        private Duration maxLinger = BatchPolicy.DEFAULT_MAX_LINGER;
        private String sharedBatcherName;
        private Boolean pipelined;
        private String name;
        private String uid;
        private String modelId;
        private String modelVersion;

        Builder(String defaultName) {
            this.name = defaultName;
        }

        /** The model directory ({@code model.onnx}, {@code config.json}, {@code spiece.model}) as the TaskManagers see it. Required. */
        public B modelDirectory(Path directory) {
            this.location = directory == null ? null : ModelLocation.local(directory);
            return self();
        }

        /**
         * Instead of {@link #modelDirectory}: a model shipped with the job through Flink's distributed cache, or one
         * pinned by the SHA-256 of its model.onnx ({@link ModelLocation}).
         */
        public B modelLocation(ModelLocation location) {
            this.location = location;
            return self();
        }

        /** {@code cpu} (default), {@code cuda} or {@code cuda:N} (falls back to the CPU with a warning). */
        public B device(String device) {
            this.device = device;
            return self();
        }

        /** ONNX Runtime threads per call (default {@value SessionSettings#DEFAULT_INTRA_OP_THREADS}). */
        public B intraOpThreads(int threads) {
            this.intraOpThreads = threads;
            return self();
        }

        /** ONNX Runtime threads for parallel graph branches (default {@value SessionSettings#DEFAULT_INTER_OP_THREADS}). */
        public B interOpThreads(int threads) {
            this.interOpThreads = threads;
            return self();
        }

        /** Sequences per ONNX Runtime call (default {@value dev.flinkalbert.inference.AlbertEncoder#DEFAULT_MAX_BATCH_SIZE}). */
        public B maxBatchSize(int records) {
            this.limits = limits.withMaxBatchSize(records);
            return self();
        }

        /**
         * Records flushed at once, in batches: a flush holds up to {@code batches × maxBatchSize} records (and
         * {@code batches × tokenBudget} tokens), which the engine sorts by length before cutting them into ONNX
         * Runtime calls of {@code maxBatchSize}, so that similar lengths share a call and padding shrinks. Default
         * {@value #DEFAULT_FLUSH_BATCHES}; more trades latency (a flush waits for more records, up to the linger) for
         * throughput on texts of mixed length.
         */
        public B flushBatches(int batches) {
            this.flushBatches = batches;
            return self();
        }

        /** How long the first record of a batch waits for more (default 20 ms, {@link BatchPolicy#DEFAULT_MAX_LINGER}). */
        public B maxLinger(Duration linger) {
            this.maxLinger = linger;
            return self();
        }

        /**
         * Most tokens per batch (estimated when the batch is cut) and per ONNX Runtime call (padded); default
         * {@value dev.flinkalbert.inference.AlbertEncoder#DEFAULT_TOKEN_BUDGET}.
         */
        public B tokenBudget(int tokens) {
            this.limits = limits.withTokenBudget(tokens);
            return self();
        }

        /** Longest tokenized input or window (defaults: see {@link PredictorLimits#maxLength()}). */
        public B maxLength(int tokens) {
            this.limits = limits.withMaxLength(tokens);
            return self();
        }

        /**
         * One batcher (one predictor, full batches) for all subtasks of this operator in a TaskManager, called
         * {@code batcherName}, instead of one per subtask (the default).
         */
        public B sharedPerTaskManager(String batcherName) {
            this.sharedBatcherName = Objects.requireNonNull(batcherName, "batcherName");
            return self();
        }

        /**
         * Tokenize the next batch on the task thread while ONNX Runtime runs this one on the operator's own
         * inference thread ({@link MicroBatching.Builder#pipelined}). Per-subtask mode only. Default: on with a CUDA
         * {@link #device}, off on the CPU (where every core already runs a slot's task thread).
         */
        public B pipelined(boolean pipelined) {
            this.pipelined = pipelined;
            return self();
        }

        /** The operator's name in the job graph. */
        public B name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return self();
        }

        /** A stable operator uid (needed to restore savepoints after the job changes). */
        public B uid(String uid) {
            this.uid = uid;
            return self();
        }

        /** The {@code model_id} of the results (default: the model directory's name). */
        public B modelId(String modelId) {
            this.modelId = modelId;
            return self();
        }

        /** The {@code model_version} of the results (default none). */
        public B modelVersion(String modelVersion) {
            this.modelVersion = modelVersion;
            return self();
        }

        /** Checks the settings (the model itself is checked where it is opened, or by {@code open()}) and builds. */
        public abstract T build();

        /** Adds the problems of the concrete builder's own settings (beside the spec's) to {@code problems}. */
        void check(List<String> problems) {}

        /**
         * The engine task of {@code spec} with the settings common to every head. Every problem is reported at
         * once: a missing model first (as an {@link IllegalStateException}), then each bad setting.
         */
        <P> AlbertTask<P> task(TaskSpec<P> spec) {
            List<String> problems = new ArrayList<>();
            if (flushBatches < 1) {
                problems.add("flushBatches must be at least 1, got " + flushBatches);
            }
            if (Boolean.TRUE.equals(pipelined) && sharedBatcherName != null) {
                problems.add("pipelined(true) and sharedPerTaskManager(name) exclude each other: the shared batcher"
                        + " already runs the engine on its own thread; remove one of them");
            }
            if (maxLinger == null || maxLinger.toMillis() < 1) {
                problems.add("maxLinger must be at least 1 ms, got " + maxLinger);
            }
            limits.check(problems);
            spec.check(problems);
            check(problems);
            if (location == null) {
                problems.add(0, "set modelDirectory(path): a folder with model.onnx, config.json and spiece.model, as"
                        + " the TaskManagers see it (or modelLocation(ModelLocation.shipped(path)))");
                throw new IllegalStateException(String.join("; ", problems));
            }
            TaskSpec.throwIfAny(problems);
            return AlbertTask.builder(location, spec)
                    .sessionSettings(new SessionSettings(device, intraOpThreads, interOpThreads,
                            SessionSettings.DEFAULT_OPTIMIZATION_LEVEL))
                    .limits(limits)
                    .build();
        }

        /** This builder as its concrete type. */
        @SuppressWarnings("unchecked")
        public B self() {
            return (B) this;
        }
    }
}
