package dev.flinkalbert.model.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.Precision;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The optimisation loop shared by pretraining and fine-tuning: gradient accumulation, global-norm clipping, AdamW
 * with linear warm-up and decay, a seed per update, and resumable checkpoints (weights, optimizer moments, step).
 *
 * <pre>{@code
 * try (TrainingLoop<PretrainingBatch> loop = TrainingLoop.<PretrainingBatch>builder()
 *         .model(model)                                      // required
 *         .objective(new PretrainingObjective())             // required
 *         .schedule(new LearningRateSchedule(1e-3f, 100, 2000)) // required
 *         .accumulationSteps(4)                              // default 1
 *         .maxGradientNorm(1f)                               // default 1
 *         .seed(42)                                          // default 42
 *         .precision(Precision.FP16)                         // default FP32
 *         .checkpoint(Path.of("run/checkpoint"), 500)        // default none
 *         .listener(progress)
 *         .build()) {
 *     loop.resumeIfPresent();   // continues an interrupted run from run/checkpoint
 *     loop.run(batches);
 * }
 * }</pre>
 *
 * One update is what transformers' training loop does: backward, global-norm clipping ({@link GlobalNormClipping}, the
 * norm reported before clipping), {@link AdamW} over two decay groups at the {@link LearningRateSchedule}'s rate for
 * this update (0 for the first update of a run with warm-up). {@code ./albert train replay} replays recorded
 * transformers runs through this loop and matches them step for step.
 *
 * <p>The loop trains up to the schedule's total steps. A step whose gradient norm is not finite is skipped (gradients
 * dropped, no update) and reported with that norm. Under {@link Precision#FP16} the loss is scaled by a
 * {@link LossScaler}, whose state is part of the checkpoint.
 */
public final class TrainingLoop<B> implements AutoCloseable {

    public static final int DEFAULT_ACCUMULATION_STEPS = 1;
    public static final float DEFAULT_MAX_GRADIENT_NORM = 1f;
    public static final long DEFAULT_SEED = 42L;
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String STATE_FILE = "trainer_state.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AlbertModel model;
    private final Objective<B> objective;
    private final LearningRateSchedule schedule;
    private final int accumulationSteps;
    private final float maxGradientNorm;
    private final long seed;
    private final Path checkpointDirectory;
    private final long checkpointEvery;
    private final List<Consumer<StepMetrics>> listeners;
    private final AdamW optimizer;
    private final Collection<NDArray> parameters;
    private final Precision precision;
    private final LossScaler lossScaler;
    private long step;

    private TrainingLoop(Builder<B> b) {
        this.model = b.model;
        this.objective = b.objective;
        this.schedule = b.schedule;
        this.accumulationSteps = b.accumulationSteps;
        this.maxGradientNorm = b.maxGradientNorm;
        this.seed = b.seed;
        this.checkpointDirectory = b.checkpointDirectory;
        this.checkpointEvery = b.checkpointEvery;
        this.listeners = List.copyOf(b.listeners);
        this.precision = b.precision;
        this.lossScaler = precision.needsLossScaling()
                ? (b.lossScaler != null ? b.lossScaler : LossScaler.withDefaults()) : null;
        model.setTrainable(true);
        model.computeIn(precision);
        this.parameters = model.parameters().values();
        this.optimizer = new AdamW(model.parameters(), b.optimizerSettings, model.manager());
    }

    public static <B> Builder<B> builder() {
        return new Builder<>();
    }

    /** Updates done so far (after a resume: those of the interrupted run too). */
    public long step() {
        return step;
    }

    /** The precision of the forward passes. */
    public Precision precision() {
        return precision;
    }

    /** The loss scaler under {@link Precision#FP16}, else null. */
    public LossScaler lossScaler() {
        return lossScaler;
    }

    /** Trains from the current step to the schedule's total, saving checkpoints as configured. */
    public void run(BatchSource<B> source) throws IOException {
        runUntil(source, schedule.totalSteps());
    }

    /** Trains until {@code lastStep} updates are done (at most the schedule's total), e.g. between evaluations. */
    public void runUntil(BatchSource<B> source, long lastStep) throws IOException {
        long until = Math.min(lastStep, schedule.totalSteps());
        while (step < until) {
            long started = System.nanoTime();
            // One torch seed per update: dropout masks repeat across runs and across a resume.
            Engine.getInstance().setRandomSeed((int) (seed * 1_000_003L + step));
            double lossSum = 0;
            long tokens = 0;
            Map<String, Double> parts = new LinkedHashMap<>();
            float lossScale = lossScaler == null ? 1f : lossScaler.scale();
            for (int k = 0; k < accumulationSteps; k++) {
                B batch = source.batch(step * accumulationSteps + k);
                tokens += objective.tokens(batch);
                try (NDScope scope = new NDScope();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    Objective.Loss loss = objective.loss(model, batch, true);
                    NDArray scaled = loss.total().mul(loss.total().getManager().create(lossScale / accumulationSteps));
                    collector.backward(scaled);
                    lossSum += loss.total().getFloat();
                    loss.parts().forEach((name, value) -> parts.merge(name, (double) value.getFloat(), Double::sum));
                }
            }
            model.carryComputeGradients();
            if (lossScaler != null) {
                lossScaler.unscale(parameters);
            }
            double norm = GlobalNormClipping.clip(parameters, maxGradientNorm);
            double learningRate = schedule.at(step);
            boolean finite = Double.isFinite(norm);
            if (finite) {
                optimizer.step(learningRate);
            }
            GlobalNormClipping.zero(parameters, finite);
            model.refreshComputeCopies();
            if (lossScaler != null) {
                lossScaler.update(finite);
            }
            step++;
            parts.replaceAll((name, sum) -> sum / accumulationSteps);
            StepMetrics metrics = new StepMetrics(step, schedule.totalSteps(), lossSum / accumulationSteps, parts,
                    learningRate, norm, tokens, (System.nanoTime() - started) / 1e9);
            listeners.forEach(l -> l.accept(metrics));
            if (checkpointDirectory != null && (step == schedule.totalSteps()
                    || (checkpointEvery > 0 && step % checkpointEvery == 0))) {
                saveCheckpoint(checkpointDirectory);
            }
        }
    }

    /** Writes weights (HF layout), optimizer moments and the step into {@code dir}, replacing it whole. */
    public void saveCheckpoint(Path dir) throws IOException {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        deleteRecursively(tmp);
        HfCheckpoint.save(model, tmp);
        optimizer.save(tmp.resolve(OPTIMIZER_FILE));
        ObjectNode state = JSON.createObjectNode();
        state.put("step", step);
        state.put("total_steps", schedule.totalSteps());
        state.put("seed", seed);
        state.put("accumulation_steps", accumulationSteps);
        state.put("precision", precision.name());
        if (lossScaler != null) {
            state.put("loss_scale", lossScaler.scale());
            state.put("loss_scale_finite_steps", lossScaler.finiteSteps());
        }
        Files.writeString(tmp.resolve(STATE_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
        Path old = dir.resolveSibling(dir.getFileName() + ".old");
        deleteRecursively(old);
        if (Files.exists(dir)) {
            Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(old);
    }

    /**
     * Continues from the checkpoint directory when it holds a checkpoint: loads weights, optimizer moments and step.
     * Returns whether it did.
     */
    public boolean resumeIfPresent() throws IOException {
        if (checkpointDirectory == null || !Files.isRegularFile(checkpointDirectory.resolve(STATE_FILE))) {
            return false;
        }
        var state = JSON.readTree(checkpointDirectory.resolve(STATE_FILE).toFile());
        if (state.path("seed").asLong() != seed || state.path("accumulation_steps").asInt() != accumulationSteps) {
            throw new IllegalStateException("checkpoint " + checkpointDirectory + " was made with seed "
                    + state.path("seed") + " and accumulation " + state.path("accumulation_steps")
                    + "; resume with the same settings or choose another output directory");
        }
        var weights = dev.flinkalbert.model.checkpoint.SafeTensors.read(
                checkpointDirectory.resolve(HfCheckpoint.WEIGHTS_FILE));
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            String key = model.checkpointName(e.getKey());
            var tensor = weights.get(key);
            if (tensor == null) {
                throw new IOException(checkpointDirectory + " lacks " + key);
            }
            e.getValue().set(tensor.values());
        }
        step = state.path("step").asLong();
        if (lossScaler != null && state.has("loss_scale")) {
            lossScaler.restore((float) state.path("loss_scale").asDouble(), state.path("loss_scale_finite_steps").asInt());
        }
        optimizer.load(checkpointDirectory.resolve(OPTIMIZER_FILE), step);
        return true;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        }
        for (Path p : paths) {
            Files.delete(p);
        }
    }

    @Override
    public void close() {
        optimizer.close();
        model.setTrainable(false);
    }

    /** Builds a {@link TrainingLoop}; model, objective and schedule are required. */
    public static final class Builder<B> {
        private AlbertModel model;
        private Objective<B> objective;
        private LearningRateSchedule schedule;
        private AdamW.Settings optimizerSettings = AdamW.Settings.DEFAULTS;
        private int accumulationSteps = DEFAULT_ACCUMULATION_STEPS;
        private float maxGradientNorm = DEFAULT_MAX_GRADIENT_NORM;
        private long seed = DEFAULT_SEED;
        private Precision precision = Precision.FP32;
        private LossScaler lossScaler;
        private Path checkpointDirectory;
        private long checkpointEvery;
        private final List<Consumer<StepMetrics>> listeners = new ArrayList<>();

        private Builder() {}

        public Builder<B> model(AlbertModel model) { this.model = model; return this; }
        public Builder<B> objective(Objective<B> objective) { this.objective = objective; return this; }
        public Builder<B> schedule(LearningRateSchedule schedule) { this.schedule = schedule; return this; }
        public Builder<B> optimizer(AdamW.Settings settings) { this.optimizerSettings = settings; return this; }
        public Builder<B> accumulationSteps(int steps) { this.accumulationSteps = steps; return this; }
        public Builder<B> maxGradientNorm(float norm) { this.maxGradientNorm = norm; return this; }
        public Builder<B> seed(long seed) { this.seed = seed; return this; }
        /** The forward passes' arithmetic (default {@link Precision#FP32}); weights and updates stay float32. */
        public Builder<B> precision(Precision precision) { this.precision = java.util.Objects.requireNonNull(precision); return this; }
        /** The loss scaler under {@link Precision#FP16} (default {@link LossScaler#withDefaults()}). */
        public Builder<B> lossScaler(LossScaler scaler) { this.lossScaler = scaler; return this; }
        public Builder<B> listener(Consumer<StepMetrics> listener) { this.listeners.add(listener); return this; }

        /** Saves to {@code dir} every {@code everySteps} updates (0: only at the end) and resumes from it. */
        public Builder<B> checkpoint(Path dir, long everySteps) {
            this.checkpointDirectory = dir;
            this.checkpointEvery = everySteps;
            return this;
        }

        public TrainingLoop<B> build() {
            if (model == null) {
                throw new IllegalStateException("TrainingLoop needs a model: call model(AlbertModel)");
            }
            if (objective == null) {
                throw new IllegalStateException("TrainingLoop needs an objective: call objective(...)");
            }
            if (schedule == null) {
                throw new IllegalStateException("TrainingLoop needs a schedule: call schedule(new LearningRateSchedule(...))");
            }
            if (accumulationSteps < 1) {
                throw new IllegalStateException("accumulationSteps must be >= 1, got " + accumulationSteps);
            }
            if (!(maxGradientNorm > 0)) {
                throw new IllegalStateException("maxGradientNorm must be > 0, got " + maxGradientNorm);
            }
            return new TrainingLoop<>(this);
        }
    }
}
