package dev.flinkalbert.model.training;

import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Fine-tuning with early stopping, shared by classification and question answering: epochs of the
 * {@link TrainingLoop}, an evaluation on the validation data after each, a stop when the score (higher is better)
 * has not improved for {@code patience} epochs, and the best epoch's weights kept in {@code <output>/best}.
 *
 * <pre>{@code
 * FineTuning.Result<ClassificationMetrics> result = FineTuning.<ClassificationBatch, ClassificationMetrics>builder()
 *         .model(model).objective(new ClassificationObjective())                       // required
 *         .train(trainData, trainData.batchesPerEpoch())                               // required
 *         .evaluator(m -> evaluate(m, validation), ClassificationMetrics::macroF1)     // required
 *         .epochs(5).learningRate(3e-5f).warmupFraction(0.1f)     // defaults 3, 3e-5, 0.1
 *         .patience(2).seed(42).output(Path.of("run"))             // defaults 2, 42, none
 *         .listener(progress).evaluationListener(report)
 *         .build().run();
 * }</pre>
 */
public final class FineTuning<B, M> {

    public static final int DEFAULT_EPOCHS = 3;
    public static final float DEFAULT_LEARNING_RATE = 3e-5f;
    public static final float DEFAULT_WARMUP_FRACTION = 0.1f;
    public static final int DEFAULT_PATIENCE = 2;
    public static final String BEST_DIRECTORY = "best";

    /** The validation result after one epoch, its score, and whether it was the best so far. */
    public record EpochEvaluation<M>(int epoch, long step, M metrics, double score, boolean best) {}

    /** The best epoch's evaluation and every epoch's. */
    public record Result<M>(EpochEvaluation<M> best, List<EpochEvaluation<M>> history) {}

    private final Builder<B, M> b;

    private FineTuning(Builder<B, M> b) {
        this.b = b;
    }

    public static <B, M> Builder<B, M> builder() {
        return new Builder<>();
    }

    /** Trains; the model ends with the last epoch's weights (the best are in {@code <output>/best}). */
    public Result<M> run() throws IOException {
        long stepsPerEpoch = (b.batchesPerEpoch + b.accumulationSteps - 1) / b.accumulationSteps;
        long total = stepsPerEpoch * b.epochs;
        List<EpochEvaluation<M>> history = new ArrayList<>();
        EpochEvaluation<M> best = null;
        try (TrainingLoop<B> loop = TrainingLoop.<B>builder()
                .model(b.model).objective(b.objective)
                .schedule(new LearningRateSchedule(b.learningRate, Math.round(total * b.warmupFraction), total))
                .optimizer(b.optimizer).accumulationSteps(b.accumulationSteps).seed(b.seed).precision(b.precision)
                .listener(m -> b.listeners.forEach(l -> l.accept(m))).build()) {
            for (int epoch = 1; epoch <= b.epochs; epoch++) {
                loop.runUntil(b.train, epoch * stepsPerEpoch);
                M metrics = b.evaluator.apply(b.model);
                double score = b.score.applyAsDouble(metrics);
                boolean improved = best == null || score > best.score();
                EpochEvaluation<M> evaluation = new EpochEvaluation<>(epoch, loop.step(), metrics, score, improved);
                history.add(evaluation);
                b.evaluationListeners.forEach(l -> l.accept(evaluation));
                if (improved) {
                    best = evaluation;
                    if (b.output != null) {
                        HfCheckpoint.save(b.model, b.output.resolve(BEST_DIRECTORY));
                    }
                } else if (epoch - best.epoch() >= b.patience) {
                    break;
                }
            }
        }
        return new Result<>(best, history);
    }

    /** Builds a {@link FineTuning}; model, objective, train and evaluator are required. */
    public static final class Builder<B, M> {
        private AlbertModel model;
        private Objective<B> objective;
        private BatchSource<B> train;
        private long batchesPerEpoch;
        private Function<AlbertModel, M> evaluator;
        private ToDoubleFunction<M> score;
        private int epochs = DEFAULT_EPOCHS;
        private float learningRate = DEFAULT_LEARNING_RATE;
        private float warmupFraction = DEFAULT_WARMUP_FRACTION;
        private int accumulationSteps = TrainingLoop.DEFAULT_ACCUMULATION_STEPS;
        private AdamW.Settings optimizer = AdamW.Settings.DEFAULTS;
        private int patience = DEFAULT_PATIENCE;
        private long seed = TrainingLoop.DEFAULT_SEED;
        private dev.flinkalbert.model.Precision precision = dev.flinkalbert.model.Precision.FP32;
        private Path output;
        private final List<Consumer<StepMetrics>> listeners = new ArrayList<>();
        private final List<Consumer<EpochEvaluation<M>>> evaluationListeners = new ArrayList<>();

        private Builder() {}

        public Builder<B, M> model(AlbertModel model) { this.model = model; return this; }
        public Builder<B, M> objective(Objective<B> objective) { this.objective = objective; return this; }

        /** The training batches and how many make an epoch. */
        public Builder<B, M> train(BatchSource<B> train, long batchesPerEpoch) {
            this.train = train;
            this.batchesPerEpoch = batchesPerEpoch;
            return this;
        }

        /** Evaluates the model after each epoch; {@code score} (higher is better) picks the best epoch. */
        public Builder<B, M> evaluator(Function<AlbertModel, M> evaluator, ToDoubleFunction<M> score) {
            this.evaluator = evaluator;
            this.score = score;
            return this;
        }

        public Builder<B, M> epochs(int epochs) { this.epochs = epochs; return this; }
        public Builder<B, M> learningRate(float learningRate) { this.learningRate = learningRate; return this; }
        public Builder<B, M> warmupFraction(float fraction) { this.warmupFraction = fraction; return this; }
        public Builder<B, M> accumulationSteps(int steps) { this.accumulationSteps = steps; return this; }
        public Builder<B, M> optimizer(AdamW.Settings settings) { this.optimizer = settings; return this; }
        public Builder<B, M> patience(int epochs) { this.patience = epochs; return this; }
        public Builder<B, M> seed(long seed) { this.seed = seed; return this; }
        /** The forward passes' arithmetic while training (default FP32); see {@link TrainingLoop.Builder#precision}. */
        public Builder<B, M> precision(dev.flinkalbert.model.Precision precision) { this.precision = precision; return this; }
        /** Where {@code best/} is written; none: the best weights are only reported. */
        public Builder<B, M> output(Path dir) { this.output = dir; return this; }
        public Builder<B, M> listener(Consumer<StepMetrics> l) { this.listeners.add(l); return this; }
        public Builder<B, M> evaluationListener(Consumer<EpochEvaluation<M>> l) { this.evaluationListeners.add(l); return this; }

        public FineTuning<B, M> build() {
            if (model == null || objective == null || train == null || evaluator == null || score == null) {
                throw new IllegalStateException("FineTuning needs model(...), objective(...), train(...) and evaluator(...)");
            }
            if (batchesPerEpoch < 1 || epochs < 1 || patience < 1 || accumulationSteps < 1) {
                throw new IllegalStateException("batchesPerEpoch, epochs, patience and accumulationSteps must be >= 1");
            }
            if (!(warmupFraction >= 0 && warmupFraction <= 1)) {
                throw new IllegalStateException("warmupFraction must be within [0, 1], got " + warmupFraction);
            }
            return new FineTuning<>(this);
        }
    }
}
