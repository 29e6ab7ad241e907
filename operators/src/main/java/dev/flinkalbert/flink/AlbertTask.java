package dev.flinkalbert.flink;

import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.AnswerPrediction;
import dev.flinkalbert.inference.AnswerSpec;
import dev.flinkalbert.inference.ClassificationPrediction;
import dev.flinkalbert.inference.ClassificationSpec;
import dev.flinkalbert.inference.EmbeddingSpec;
import dev.flinkalbert.inference.Embedding;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.Pooling;
import dev.flinkalbert.inference.PredictorLimits;
import dev.flinkalbert.inference.SessionSettings;
import dev.flinkalbert.inference.TaskSpec;
import dev.flinkalbert.inference.TextInput;
import dev.flinkalbert.inference.TokenClassificationSpec;

import java.nio.file.Path;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.cache.DistributedCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an ALBERT model does to a batch of {@link TextInput}s, as a serializable description that travels with the
 * job graph: the model directory, the {@link SessionSettings}, the {@link PredictorLimits} and the head's
 * {@link TaskSpec} (the task and its options), which builds the predictor: this class never switches on the task. As a
 * {@link BatchProcessorFactory} it opens the shared model where the processor runs ({@link #create()}), so that the
 * {@link MicroBatching} operator, the shared batcher and the SQL functions all run the engine the same way.
 *
 * <pre>{@code
 * AlbertTask<ClassificationPrediction> task = AlbertTask.builder(ModelLocation.local(Path.of("models/sentiment")),
 *                 ClassificationSpec.DEFAULTS.withTopK(3))
 *         .sessionSettings(new SessionSettings("cpu", 1, 1, OptLevel.ALL_OPT))
 *         .build();
 * SingleOutputStreamOperator<ClassificationPrediction> predictions = MicroBatching
 *         .<TextInput, ClassificationPrediction>builder()
 *         .processor(task)
 *         .outputType(TypeInformation.of(ClassificationPrediction.class))
 *         .build()
 *         .apply(inputs);
 * }</pre>
 *
 * <p>The processor's {@link BatchProcessor#cost cost} of an input is an estimate of its tokens (one per
 * {@value #CHARS_PER_TOKEN_ESTIMATE} characters, plus the special tokens, capped at the maximum length where longer
 * inputs are truncated), so that a batch's cost budget bounds its tokens without tokenizing every text twice. Its
 * dead letters say {@link dev.flinkalbert.avro.FailureStage#TOKENIZE} for an input the tokenizer refused (a null
 * text, a question without context, a question too long for a window) and
 * {@link dev.flinkalbert.avro.FailureStage#INFERENCE} for an ONNX Runtime failure.
 *
 * @param <OUT> the engine's result of one input: {@link ClassificationPrediction}, {@link Embedding} or
 *     {@link AnswerPrediction}
 */
@PublicEvolving
public final class AlbertTask<OUT> implements BatchProcessorFactory<TextInput, OUT> {

    private static final long serialVersionUID = 1L;

    /** Characters per token assumed by the cost estimate (SentencePiece on English prose gives about four). */
    public static final int CHARS_PER_TOKEN_ESTIMATE = 4;

    private final TaskSpec<OUT> spec;
    private final ModelLocation location;
    private final SessionSettings sessionSettings;
    private final PredictorLimits limits;

    private AlbertTask(Builder<OUT> b) {
        this.spec = b.spec;
        this.location = b.location;
        this.sessionSettings = b.sessionSettings;
        this.limits = b.limits;
    }

    /** A task running {@code spec} on the model at {@code model}; session and limits at their defaults unless set. */
    public static <P> Builder<P> builder(ModelLocation model, TaskSpec<P> spec) {
        return new Builder<>(model, spec);
    }

    /** Labels and scores from a sequence-classification model (outputs {@code logits}). */
    public static Builder<ClassificationPrediction> classification(Path modelDirectory) {
        return classification(ModelLocation.local(modelDirectory));
    }

    /** As {@link #classification(Path)}, for a model shipped with the job or pinned by checksum. */
    public static Builder<ClassificationPrediction> classification(ModelLocation model) {
        return builder(model, ClassificationSpec.DEFAULTS);
    }

    /** Sentence embeddings from a base model (outputs {@code last_hidden_state}, optionally {@code pooler_output}). */
    public static Builder<Embedding> embeddings(Path modelDirectory) {
        return embeddings(ModelLocation.local(modelDirectory));
    }

    /** As {@link #embeddings(Path)}, for a model shipped with the job or pinned by checksum. */
    public static Builder<Embedding> embeddings(ModelLocation model) {
        return builder(model, EmbeddingSpec.DEFAULTS);
    }

    /**
     * Extractive answers from a question-answering model (outputs {@code start_logits}, {@code end_logits}); inputs
     * are {@link TextInput#question(String, String)}.
     */
    public static Builder<AnswerPrediction> questionAnswering(Path modelDirectory) {
        return questionAnswering(ModelLocation.local(modelDirectory));
    }

    /** As {@link #questionAnswering(Path)}, for a model shipped with the job or pinned by checksum. */
    public static Builder<AnswerPrediction> questionAnswering(ModelLocation model) {
        return builder(model, AnswerSpec.DEFAULTS);
    }

    public ModelTask task() {
        return spec.task();
    }

    /** The head and its options. */
    public TaskSpec<OUT> spec() {
        return spec;
    }

    /** The settings every head shares: batch size, token budget, maximum length. */
    public PredictorLimits limits() {
        return limits;
    }

    /** The model directory as named on the client. */
    public Path modelDirectory() {
        return location.directory();
    }

    /** Where the TaskManagers find the model, and which model.onnx they must find. */
    public ModelLocation location() {
        return location;
    }

    public SessionSettings sessionSettings() {
        return sessionSettings;
    }

    /**
     * Opens the model with this task's settings and checks that it computes this task: what {@link #create()} does
     * on a TaskManager, done early so that a job fails at start-up, not at its first record. Keeping the returned
     * model open while a local job runs lets the job's processors share its session instead of opening another.
     *
     * @throws dev.flinkalbert.inference.InvalidModelException listing every problem of the model directory
     * @throws IllegalStateException when the model computes another task, or an option does not fit the model
     */
    public AlbertModel open() {
        location.check();
        return open(location.directory());
    }

    private AlbertModel open(Path directory) {
        AlbertModel model = AlbertModel.builder()
                .modelDirectory(directory)
                .sessionSettings(sessionSettings)
                .build();
        try {
            spec.predictor(model, limits).close(); // checks the task and the options against the model
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Opens the model where it is on this TaskManager (a local path: no distributed cache needed). */
    @Override
    public BatchProcessor<TextInput, OUT> create() {
        return create(null);
    }

    /** Opens the model where it is on this TaskManager: in place, or the distributed cache's copy. */
    @Override
    public BatchProcessor<TextInput, OUT> create(DistributedCache jobFiles) {
        AlbertModel model = open(location.resolve(jobFiles));
        try {
            return new EngineProcessor<>(model, spec.predictor(model, limits), spec.costCap(model, limits));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return "AlbertTask{" + spec + ", " + limits + ", " + location + ", " + sessionSettings + "}";
    }

    /**
     * Settings of an {@link AlbertTask}. The model and the head's options ({@link #spec}) are given by the factory
     * method; every other setting has a default. {@link #build()} reports every problem at once.
     *
     * <p>The per-option setters ({@link #topK}, {@link #pooling}, …) are shortcuts for the three original heads'
     * specs; a setting of another head's spec is refused by {@link #build()}. New heads are configured through
     * {@link #spec} only.
     */
    public static final class Builder<OUT> {
        private final ModelLocation location;
        private TaskSpec<OUT> spec;
        private SessionSettings sessionSettings = SessionSettings.defaults();
        private PredictorLimits limits = PredictorLimits.DEFAULTS;
        private final List<String> misplaced = new ArrayList<>();

        private Builder(ModelLocation location, TaskSpec<OUT> spec) {
            this.location = Objects.requireNonNull(location, "location");
            this.spec = Objects.requireNonNull(spec, "spec");
        }

        /** The head's options, all at once. */
        public Builder<OUT> spec(TaskSpec<OUT> spec) {
            this.spec = Objects.requireNonNull(spec, "spec");
            return this;
        }

        /** Device, threads and graph optimisation of the ONNX Runtime session (default {@link SessionSettings#defaults()}). */
        public Builder<OUT> sessionSettings(SessionSettings settings) {
            this.sessionSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** The settings every head shares, all at once. */
        public Builder<OUT> limits(PredictorLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** See {@link PredictorLimits#maxBatchSize()}. */
        public Builder<OUT> maxBatchSize(int rows) {
            return limits(limits.withMaxBatchSize(rows));
        }

        /** See {@link PredictorLimits#tokenBudget()}. */
        public Builder<OUT> tokenBudget(int tokens) {
            return limits(limits.withTokenBudget(tokens));
        }

        /** See {@link PredictorLimits#maxLength()}. */
        public Builder<OUT> maxLength(int tokens) {
            return limits(limits.withMaxLength(tokens));
        }

        /** Classification: {@link ClassificationSpec#topK()}; question answering: {@link AnswerSpec#topK()}. */
        public Builder<OUT> topK(int k) {
            return with("topK", spec instanceof ClassificationSpec c ? c.withTopK(k)
                    : spec instanceof AnswerSpec a ? a.withTopK(k) : null,
                    ModelTask.CLASSIFICATION, ModelTask.QUESTION_ANSWERING);
        }

        /** Embeddings: {@link EmbeddingSpec#pooling()}. */
        public Builder<OUT> pooling(Pooling pooling) {
            return with("pooling", spec instanceof EmbeddingSpec e ? e.withPooling(pooling) : null,
                    ModelTask.EMBEDDINGS);
        }

        /** Embeddings: {@link EmbeddingSpec#normalize()}. */
        public Builder<OUT> normalize(boolean normalize) {
            return with("normalize", spec instanceof EmbeddingSpec e ? e.withNormalize(normalize) : null,
                    ModelTask.EMBEDDINGS);
        }

        /** Question answering: {@link AnswerSpec#stride()}; token classification: {@link TokenClassificationSpec#stride()}. */
        public Builder<OUT> stride(int tokens) {
            return with("stride", spec instanceof AnswerSpec a ? a.withStride(tokens)
                    : spec instanceof TokenClassificationSpec t ? t.withStride(tokens) : null,
                    ModelTask.QUESTION_ANSWERING, ModelTask.TOKEN_CLASSIFICATION);
        }

        /** Question answering: {@link AnswerSpec#maxAnswerLength()}. */
        public Builder<OUT> maxAnswerLength(int tokens) {
            return with("maxAnswerLength", spec instanceof AnswerSpec a ? a.withMaxAnswerLength(tokens) : null,
                    ModelTask.QUESTION_ANSWERING);
        }

        /** Question answering: {@link AnswerSpec#handleImpossibleAnswer()}. */
        public Builder<OUT> handleImpossibleAnswer(boolean allow) {
            return with("handleImpossibleAnswer",
                    spec instanceof AnswerSpec a ? a.withHandleImpossibleAnswer(allow) : null,
                    ModelTask.QUESTION_ANSWERING);
        }

        @SuppressWarnings("unchecked") // a spec of the same head as the one replaced
        private Builder<OUT> with(String setting, TaskSpec<?> changed, ModelTask... tasks) {
            if (changed == null) {
                misplaced.add(setting + " applies to " + List.of(tasks) + " only");
            } else {
                this.spec = (TaskSpec<OUT>) changed;
            }
            return this;
        }

        /**
         * Checks the settings that need no model, reporting every problem at once (the model itself is checked
         * where it is opened, or by {@link AlbertTask#open()}).
         *
         * @throws IllegalArgumentException naming each setting to fix
         */
        public AlbertTask<OUT> build() {
            List<String> problems = new ArrayList<>();
            if (!misplaced.isEmpty()) {
                problems.add("settings that do not fit a " + spec.task() + " task: " + misplaced);
            }
            limits.check(problems);
            spec.check(problems);
            TaskSpec.throwIfAny(problems);
            return new AlbertTask<>(this);
        }
    }
}
