package dev.flinkalbert.flink;

import dev.flinkalbert.inference.AlbertEncoder;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.AlbertPredictor;
import dev.flinkalbert.inference.AnswerPrediction;
import dev.flinkalbert.inference.Answerer;
import dev.flinkalbert.inference.ClassificationPrediction;
import dev.flinkalbert.inference.Classifier;
import dev.flinkalbert.inference.Embedder;
import dev.flinkalbert.inference.Embedding;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.Pooling;
import dev.flinkalbert.inference.SessionSettings;
import dev.flinkalbert.inference.TextInput;

import java.nio.file.Path;
import org.apache.flink.api.common.cache.DistributedCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an ALBERT model does to a batch of {@link TextInput}s, as a serializable description that travels with the
 * job graph: the model directory, the task, the {@link SessionSettings} and the task's options. As a
 * {@link BatchProcessorFactory} it opens the shared model where the processor runs ({@link #create()}), so that the
 * {@link MicroBatching} operator, the shared batcher and the SQL functions all run the engine the same way.
 *
 * <pre>{@code
 * AlbertTask<ClassificationPrediction> task = AlbertTask.classification(Path.of("models/sentiment"))
 *         .sessionSettings(new SessionSettings("cpu", 1, 1, OptLevel.ALL_OPT))
 *         .topK(3)
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
public final class AlbertTask<OUT> implements BatchProcessorFactory<TextInput, OUT> {

    private static final long serialVersionUID = 1L;

    /** Characters per token assumed by the cost estimate (SentencePiece on English prose gives about four). */
    public static final int CHARS_PER_TOKEN_ESTIMATE = 4;

    private final ModelTask task;
    private final ModelLocation location;
    private final SessionSettings sessionSettings;
    private final int maxBatchSize;
    private final int tokenBudget;
    private final Integer maxLength;
    private final int topK;
    private final Pooling pooling;
    private final boolean normalize;
    private final int stride;
    private final int maxAnswerLength;
    private final boolean handleImpossibleAnswer;

    private AlbertTask(Builder<OUT> b) {
        this.task = b.task;
        this.location = b.location;
        this.sessionSettings = b.sessionSettings;
        this.maxBatchSize = b.maxBatchSize;
        this.tokenBudget = b.tokenBudget;
        this.maxLength = b.maxLength;
        this.topK = b.topK;
        this.pooling = b.pooling;
        this.normalize = b.normalize;
        this.stride = b.stride;
        this.maxAnswerLength = b.maxAnswerLength;
        this.handleImpossibleAnswer = b.handleImpossibleAnswer;
    }

    /** Labels and scores from a sequence-classification model (outputs {@code logits}). */
    public static Builder<ClassificationPrediction> classification(Path modelDirectory) {
        return classification(ModelLocation.local(modelDirectory));
    }

    /** As {@link #classification(Path)}, for a model shipped with the job or pinned by checksum. */
    public static Builder<ClassificationPrediction> classification(ModelLocation model) {
        return new Builder<>(ModelTask.CLASSIFICATION, model);
    }

    /** Sentence embeddings from a base model (outputs {@code last_hidden_state}, optionally {@code pooler_output}). */
    public static Builder<Embedding> embeddings(Path modelDirectory) {
        return embeddings(ModelLocation.local(modelDirectory));
    }

    /** As {@link #embeddings(Path)}, for a model shipped with the job or pinned by checksum. */
    public static Builder<Embedding> embeddings(ModelLocation model) {
        return new Builder<>(ModelTask.EMBEDDINGS, model);
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
        return new Builder<>(ModelTask.QUESTION_ANSWERING, model);
    }

    public ModelTask task() {
        return task;
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

    /** Classification: best classes listed; question answering: answers per question. */
    public int topK() {
        return topK;
    }

    /** Embeddings: how the vector is taken. */
    public Pooling pooling() {
        return pooling;
    }

    /** Embeddings: whether vectors have unit L2 norm. */
    public boolean normalize() {
        return normalize;
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
            predictor(model).close(); // checks the task and the options against the model
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
            return new EngineProcessor<>(model, predictor(model), costCap(model));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @SuppressWarnings("unchecked") // the builder's type parameter follows the task
    private AlbertPredictor<OUT> predictor(AlbertModel model) {
        return (AlbertPredictor<OUT>) switch (task) {
            case CLASSIFICATION -> {
                Classifier.Builder b = model.classifier().topK(topK).maxBatchSize(maxBatchSize).tokenBudget(tokenBudget);
                yield (maxLength == null ? b : b.maxLength(maxLength)).build();
            }
            case EMBEDDINGS -> {
                Embedder.Builder b = model.embedder().pooling(pooling).normalize(normalize)
                        .maxBatchSize(maxBatchSize).tokenBudget(tokenBudget);
                yield (maxLength == null ? b : b.maxLength(maxLength)).build();
            }
            case QUESTION_ANSWERING -> {
                Answerer.Builder b = model.answerer().topK(topK).stride(stride).maxAnswerLength(maxAnswerLength)
                        .handleImpossibleAnswer(handleImpossibleAnswer)
                        .maxBatchSize(maxBatchSize).tokenBudget(tokenBudget);
                yield (maxLength == null ? b : b.maxLength(maxLength)).build();
            }
            // No factory makes this task yet: the Flink wiring of token classification comes with the new task layer.
            case TOKEN_CLASSIFICATION -> throw new IllegalStateException("token classification has no Flink task yet");
        };
    }

    /** Inputs are truncated to the maximum length, except question answering's, which are cut into windows. */
    private long costCap(AlbertModel model) {
        if (task == ModelTask.QUESTION_ANSWERING) {
            return Long.MAX_VALUE;
        }
        return maxLength == null ? model.maxLength() : maxLength;
    }

    @Override
    public String toString() {
        return "AlbertTask{" + task + ", " + location + ", " + sessionSettings + "}";
    }

    /**
     * Settings of an {@link AlbertTask}. The model directory is given by the factory method; every other setting has
     * a default. Task-specific settings are refused by {@link #build()} on another task.
     */
    public static final class Builder<OUT> {
        private final ModelTask task;
        private final ModelLocation location;
        private SessionSettings sessionSettings = SessionSettings.defaults();
        private int maxBatchSize = AlbertEncoder.DEFAULT_MAX_BATCH_SIZE;
        private int tokenBudget = AlbertEncoder.DEFAULT_TOKEN_BUDGET;
        private Integer maxLength;
        private int topK;
        private Pooling pooling = Embedder.DEFAULT_POOLING;
        private boolean normalize;
        private int stride = Answerer.DEFAULT_STRIDE;
        private int maxAnswerLength = Answerer.DEFAULT_MAX_ANSWER_LENGTH;
        private boolean handleImpossibleAnswer;
        private final List<String> misplaced = new ArrayList<>();

        private Builder(ModelTask task, ModelLocation location) {
            this.task = task;
            this.location = Objects.requireNonNull(location, "location");
            this.topK = task == ModelTask.QUESTION_ANSWERING ? Answerer.DEFAULT_TOP_K : Classifier.DEFAULT_TOP_K;
        }

        /** Device, threads and graph optimisation of the ONNX Runtime session (default {@link SessionSettings#defaults()}). */
        public Builder<OUT> sessionSettings(SessionSettings settings) {
            this.sessionSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** Most sequences per ONNX Runtime call (default {@value AlbertEncoder#DEFAULT_MAX_BATCH_SIZE}). */
        public Builder<OUT> maxBatchSize(int rows) {
            this.maxBatchSize = rows;
            return this;
        }

        /** Most padded tokens per ONNX Runtime call (default {@value AlbertEncoder#DEFAULT_TOKEN_BUDGET}). */
        public Builder<OUT> tokenBudget(int tokens) {
            this.tokenBudget = tokens;
            return this;
        }

        /**
         * Longest tokenized input, specials included: classification and embeddings truncate to it (default
         * max_position_embeddings); question answering cuts windows of it (default
         * {@value Answerer#DEFAULT_MAX_LENGTH}).
         */
        public Builder<OUT> maxLength(int tokens) {
            this.maxLength = tokens;
            return this;
        }

        /**
         * Classification: best classes listed (default {@value Classifier#DEFAULT_TOP_K}); question answering:
         * answers per question (default {@value Answerer#DEFAULT_TOP_K}).
         */
        public Builder<OUT> topK(int k) {
            onlyFor("topK", ModelTask.CLASSIFICATION, ModelTask.QUESTION_ANSWERING);
            this.topK = k;
            return this;
        }

        /** Embeddings: how the vector is taken (default {@link Embedder#DEFAULT_POOLING}). */
        public Builder<OUT> pooling(Pooling pooling) {
            onlyFor("pooling", ModelTask.EMBEDDINGS);
            this.pooling = Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        /** Embeddings: scale vectors to unit L2 norm (default false). */
        public Builder<OUT> normalize(boolean normalize) {
            onlyFor("normalize", ModelTask.EMBEDDINGS);
            this.normalize = normalize;
            return this;
        }

        /** Question answering: context tokens shared by consecutive windows (default {@value Answerer#DEFAULT_STRIDE}). */
        public Builder<OUT> stride(int tokens) {
            onlyFor("stride", ModelTask.QUESTION_ANSWERING);
            this.stride = tokens;
            return this;
        }

        /** Question answering: longest answer in tokens (default {@value Answerer#DEFAULT_MAX_ANSWER_LENGTH}). */
        public Builder<OUT> maxAnswerLength(int tokens) {
            onlyFor("maxAnswerLength", ModelTask.QUESTION_ANSWERING);
            this.maxAnswerLength = tokens;
            return this;
        }

        /** Question answering: let the empty answer compete (SQuAD 2.0 models; default false). */
        public Builder<OUT> handleImpossibleAnswer(boolean allow) {
            onlyFor("handleImpossibleAnswer", ModelTask.QUESTION_ANSWERING);
            this.handleImpossibleAnswer = allow;
            return this;
        }

        private void onlyFor(String setting, ModelTask... tasks) {
            if (!List.of(tasks).contains(task)) {
                misplaced.add(setting + " applies to " + List.of(tasks) + " only");
            }
        }

        /**
         * Checks the settings that need no model (the model itself is checked where it is opened, or by
         * {@link AlbertTask#open()}).
         *
         * @throws IllegalArgumentException naming the setting to fix
         */
        public AlbertTask<OUT> build() {
            if (!misplaced.isEmpty()) {
                throw new IllegalArgumentException("settings that do not fit a " + task + " task: " + misplaced);
            }
            if (maxBatchSize < 1 || tokenBudget < 1) {
                throw new IllegalArgumentException("maxBatchSize and tokenBudget must be at least 1, got "
                        + maxBatchSize + " and " + tokenBudget);
            }
            if (topK < 1 || maxAnswerLength < 1 || stride < 0 || (maxLength != null && maxLength < 3)) {
                throw new IllegalArgumentException("topK and maxAnswerLength must be at least 1, stride at least 0"
                        + " and maxLength at least 3, got " + topK + ", " + maxAnswerLength + ", " + stride + " and "
                        + maxLength);
            }
            return new AlbertTask<>(this);
        }
    }
}
