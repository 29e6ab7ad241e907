package dev.flinkalbert.inference;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.apache.flink.annotation.PublicEvolving;

/**
 * An ALBERT model directory opened for inference: {@code model.onnx} (run by ONNX Runtime), {@code config.json}
 * (labels, maximum length) and {@code spiece.model} (the tokenizer). The model knows its {@link ModelTask} from
 * the graph's outputs and checks the whole directory at {@link Builder#build()}, failing with one
 * {@link InvalidModelException} that lists every problem.
 *
 * <p>Underneath is one ONNX Runtime session per (model file, {@link SessionSettings}) per JVM, shared by every
 * {@code AlbertModel}, predictor and encoder on it and closed when the last of them closes. The session is warmed up
 * when it opens, so the first records do not pay for ONNX Runtime's lazy initialisation.
 *
 * <pre>{@code
 * try (AlbertModel model = AlbertModel.builder()
 *         .modelDirectory(Path.of("models/sentiment"))
 *         .device("cpu")                       // or "cuda", "cuda:1": falls back to the CPU with a warning
 *         .intraOpThreads(1)
 *         .build()) {
 *     try (Classifier classifier = model.classifier().topK(3).build()) {   // one per thread
 *         List<Outcome<ClassificationPrediction>> out = classifier.predict(List.of(TextInput.of("great film")));
 *     }
 * }
 * }</pre>
 */
@PublicEvolving
public final class AlbertModel implements AutoCloseable {

    /** The ONNX graph's file name in a model directory. */
    public static final String MODEL_FILE = "model.onnx";
    /** The SentencePiece model's file name in a model directory. */
    public static final String TOKENIZER_FILE = "spiece.model";

    private static final Logger LOG = LoggerFactory.getLogger(AlbertModel.class);
    private static final int WARM_UP_TOKENS = 16;

    private final Path directory;
    private final ModelConfig config;
    private final ModelContract contract;
    private final AlbertTokenizer tokenizer;
    private final SharedSessions.Lease lease;

    private AlbertModel(Path directory, ModelConfig config, ModelContract contract, AlbertTokenizer tokenizer,
            SharedSessions.Lease lease) {
        this.directory = directory;
        this.config = config;
        this.contract = contract;
        this.tokenizer = tokenizer;
        this.lease = lease;
    }

    /** A builder; {@link Builder#modelDirectory(Path)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The model directory. */
    public Path directory() {
        return directory;
    }

    /** What the model computes. */
    public ModelTask task() {
        return contract.task();
    }

    /** Class names by index (sequence and token classification models; empty otherwise). */
    public List<String> labels() {
        return contract.labels();
    }

    /** Whether classification scores are independent sigmoids ({@code multi_label_classification}). */
    public boolean multiLabel() {
        return contract.multiLabel();
    }

    /** The longest sequence the model accepts, in tokens ({@code max_position_embeddings}). */
    public int maxLength() {
        return contract.maxLength();
    }

    /** The config fields inference reads. */
    public ModelConfig config() {
        return config;
    }

    /** The graph's output names. */
    public Set<String> outputNames() {
        return contract.outputs().keySet();
    }

    /** Whether the graph declares {@code token_type_ids} (it is fed only then). */
    public boolean feedsTokenTypes() {
        return contract.feedsTokenTypes();
    }

    /** The device the session really runs on: {@code cpu} after a CUDA fallback. */
    public String device() {
        return lease.device();
    }

    /** A classifier for a {@link ModelTask#CLASSIFICATION} model. */
    public Classifier.Builder classifier() {
        return new Classifier.Builder(this);
    }

    /** An embedder for an {@link ModelTask#EMBEDDINGS} model. */
    public Embedder.Builder embedder() {
        return new Embedder.Builder(this);
    }

    /** An answerer for a {@link ModelTask#QUESTION_ANSWERING} model. */
    public Answerer.Builder answerer() {
        return new Answerer.Builder(this);
    }

    /** A token classifier (named entities) for a {@link ModelTask#TOKEN_CLASSIFICATION} model. */
    public TokenClassifier.Builder tokenClassifier() {
        return new TokenClassifier.Builder(this);
    }

    /** A predictor of any head: {@code spec} checks itself and the limits against this model. */
    public <P> AlbertPredictor<P> predictor(TaskSpec<P> spec, PredictorLimits limits) {
        return spec.predictor(this, limits);
    }

    /** The model's tokenizer (from spiece.model; thread-safe). */
    public AlbertTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * A thread-confined encoder for pre-tokenized rows that reads all of the model's outputs.
     *
     * @param maxBatchSize most rows per ONNX Runtime call ({@link AlbertEncoder#DEFAULT_MAX_BATCH_SIZE})
     * @param tokenBudget most padded tokens per call ({@link AlbertEncoder#DEFAULT_TOKEN_BUDGET})
     */
    public AlbertEncoder encoder(int maxBatchSize, int tokenBudget) {
        return encoder(outputNames(), maxBatchSize, tokenBudget);
    }

    /** A thread-confined encoder that asks ONNX Runtime only for the named outputs. */
    public AlbertEncoder encoder(Set<String> outputs, int maxBatchSize, int tokenBudget) {
        return new AlbertEncoder(lease.retain(), contract, outputs, maxBatchSize, tokenBudget);
    }

    /** Releases this model's hold on the shared session (closed when no model, predictor or encoder holds it). */
    @Override
    public void close() {
        lease.close();
    }

    /** Builds an {@link AlbertModel}; defaults are {@link SessionSettings}'s. */
    public static final class Builder {
        private Path directory;
        private String device = SessionSettings.DEFAULT_DEVICE;
        private int intraOpThreads = SessionSettings.DEFAULT_INTRA_OP_THREADS;
        private int interOpThreads = SessionSettings.DEFAULT_INTER_OP_THREADS;
        private OptLevel optimizationLevel = SessionSettings.DEFAULT_OPTIMIZATION_LEVEL;

        private Builder() {}

        /** The model directory holding model.onnx, config.json and spiece.model (required). */
        public Builder modelDirectory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** All session settings at once (what an operator carries to the TaskManagers). */
        public Builder sessionSettings(SessionSettings settings) {
            this.device = settings.device();
            this.intraOpThreads = settings.intraOpThreads();
            this.interOpThreads = settings.interOpThreads();
            this.optimizationLevel = settings.optimizationLevel();
            return this;
        }

        /** {@code cpu} (default), {@code cuda} or {@code cuda:N}. */
        public Builder device(String device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /** Threads one operator may use (default {@value SessionSettings#DEFAULT_INTRA_OP_THREADS}). */
        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = threads;
            return this;
        }

        /** Threads running independent operators (default {@value SessionSettings#DEFAULT_INTER_OP_THREADS}). */
        public Builder interOpThreads(int threads) {
            this.interOpThreads = threads;
            return this;
        }

        /** ONNX Runtime's graph optimisation level (default {@code ALL_OPT}). */
        public Builder optimizationLevel(OptLevel level) {
            this.optimizationLevel = Objects.requireNonNull(level, "level");
            return this;
        }

        /**
         * Checks the directory, acquires the shared session (opening and warming it up if no one holds it yet) and
         * checks the graph against the contract.
         *
         * @throws InvalidModelException listing every problem of the directory
         * @throws IllegalStateException when no model directory was set
         * @throws IllegalArgumentException for invalid settings
         */
        public AlbertModel build() {
            if (directory == null) {
                throw new IllegalStateException("set the model directory with modelDirectory(path): a folder with "
                        + MODEL_FILE + ", " + ModelConfig.FILE_NAME + " and " + TOKENIZER_FILE);
            }
            SessionSettings settings = new SessionSettings(device, intraOpThreads, interOpThreads,
                    optimizationLevel);
            Path dir = directory.toAbsolutePath().normalize();
            List<String> problems = new ArrayList<>();
            if (!Files.isDirectory(dir)) {
                problems.add("the directory does not exist: point modelDirectory at a folder holding " + MODEL_FILE
                        + ", " + ModelConfig.FILE_NAME + " and " + TOKENIZER_FILE);
                throw new InvalidModelException(dir, problems);
            }
            requireFile(dir, MODEL_FILE, "export the model to ONNX (opset 17, inputs input_ids, attention_mask,"
                    + " token_type_ids) as " + MODEL_FILE, problems);
            requireFile(dir, TOKENIZER_FILE, "copy the SentencePiece model the model was trained with"
                    + " (albert-base-v2's spiece.model) into the directory", problems);
            ModelConfig config = null;
            if (requireFile(dir, ModelConfig.FILE_NAME, "save the model's Hugging Face config"
                    + " (config.save_pretrained) into the directory", problems)) {
                config = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME), problems);
            }
            if (!problems.isEmpty()) {
                throw new InvalidModelException(dir, problems);
            }
            SharedSessions.Lease lease;
            try {
                lease = SharedSessions.acquire(dir.resolve(MODEL_FILE), settings);
            } catch (OrtException e) {
                problems.add(MODEL_FILE + " cannot be loaded by ONNX Runtime (" + e.getMessage() + "): export a"
                        + " valid ONNX model (opset ≤ 21, IR version 8 for opset 17)");
                throw new InvalidModelException(dir, problems, e);
            }
            try {
                ModelContract contract = ModelContract.check(lease.session(), config, problems);
                if (contract == null) {
                    throw new InvalidModelException(dir, problems);
                }
                AlbertTokenizer tokenizer;
                try {
                    tokenizer = SharedTokenizers.of(dir);
                } catch (IOException | RuntimeException e) {
                    problems.add(TOKENIZER_FILE + " cannot be read as a SentencePiece model (" + e.getMessage()
                            + "): copy the spiece.model the model was trained with");
                    throw new InvalidModelException(dir, problems, e);
                }
                AlbertModel model = new AlbertModel(dir, config, contract, tokenizer, lease);
                if (lease.created()) {
                    model.warmUp();
                }
                return model;
            } catch (OrtException e) {
                lease.close();
                throw new IllegalStateException("ONNX Runtime failed warming up " + dir.resolve(MODEL_FILE), e);
            } catch (RuntimeException e) {
                lease.close();
                throw e;
            }
        }

        private static boolean requireFile(Path dir, String name, String fix, List<String> problems) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return true;
            }
            problems.add(name + " is missing: " + fix);
            return false;
        }
    }

    /** One tiny batch through every output, so the first real records do not pay for lazy initialisation. */
    private void warmUp() throws OrtException {
        long start = System.nanoTime();
        int tokens = Math.min(WARM_UP_TOKENS, maxLength());
        try (AlbertEncoder encoder = encoder(1, tokens)) {
            encoder.encode(List.of(new EncodedRow(new int[tokens], null)), (out, row) -> null);
        }
        LOG.info("Warmed up {} in {} ms", directory.resolve(MODEL_FILE), (System.nanoTime() - start) / 1_000_000);
    }
}
