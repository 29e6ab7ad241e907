package dev.flinkalbert.model.classification;

import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.training.AdamW;
import dev.flinkalbert.model.training.LearningRateSchedule;
import dev.flinkalbert.model.training.StepMetrics;
import dev.flinkalbert.model.training.TrainingLoop;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Fine-tunes a sequence classifier: epochs of the {@link TrainingLoop}, an evaluation on the validation split after
 * each, early stopping when macro-F1 has not improved for {@code patience} epochs, and the best epoch's weights
 * kept in {@code <output>/best} (Hugging Face layout).
 *
 * <pre>{@code
 * ClassifierFineTuning.Result result = ClassifierFineTuning.builder()
 *         .model(model).train(trainData).validation(validationData)   // required
 *         .epochs(5).learningRate(3e-5f).warmupFraction(0.1f)        // defaults 3, 3e-5, 0.1
 *         .patience(2).seed(42).output(Path.of("run"))                // defaults 2, 42, none
 *         .listener(progress).evaluationListener(report)
 *         .build().run();
 * }</pre>
 */
public final class ClassifierFineTuning {

    public static final int DEFAULT_EPOCHS = 3;
    public static final float DEFAULT_LEARNING_RATE = 3e-5f;
    public static final float DEFAULT_WARMUP_FRACTION = 0.1f;
    public static final int DEFAULT_PATIENCE = 2;
    public static final String BEST_DIRECTORY = "best";

    /** The validation result after one epoch. */
    public record EpochEvaluation(int epoch, long step, ClassificationMetrics metrics, boolean best) {}

    /** The best epoch's evaluation and every epoch's. */
    public record Result(EpochEvaluation best, List<EpochEvaluation> history) {}

    private final Builder b;

    private ClassifierFineTuning(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Trains; the model ends with the last epoch's weights (the best are in {@code <output>/best}). */
    public Result run() throws IOException {
        long stepsPerEpoch = (b.train.batchesPerEpoch() + b.accumulationSteps - 1) / b.accumulationSteps;
        long total = stepsPerEpoch * b.epochs;
        List<String> labels = b.model.config().id2label().isEmpty()
                ? List.of("LABEL_0", "LABEL_1") : b.model.config().id2label();
        List<EpochEvaluation> history = new ArrayList<>();
        EpochEvaluation best = null;
        try (TrainingLoop<ClassificationBatch> loop = TrainingLoop.<ClassificationBatch>builder()
                .model(b.model).objective(new ClassificationObjective())
                .schedule(new LearningRateSchedule(b.learningRate, Math.round(total * b.warmupFraction), total))
                .optimizer(b.optimizer).accumulationSteps(b.accumulationSteps).seed(b.seed)
                .listener(m -> b.listeners.forEach(l -> l.accept(m))).build()) {
            for (int epoch = 1; epoch <= b.epochs; epoch++) {
                loop.runUntil(b.train, epoch * stepsPerEpoch);
                int[] predicted = ClassificationObjective.predict(b.model, b.validation.inOrder());
                ClassificationMetrics metrics = ClassificationMetrics.of(labels, b.validation.labels(), predicted);
                boolean improved = best == null || metrics.macroF1() > best.metrics().macroF1();
                EpochEvaluation evaluation = new EpochEvaluation(epoch, loop.step(), metrics, improved);
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
        return new Result(best, history);
    }

    /** Builds a {@link ClassifierFineTuning}; model, train and validation are required. */
    public static final class Builder {
        private AlbertModel model;
        private ClassificationData train;
        private ClassificationData validation;
        private int epochs = DEFAULT_EPOCHS;
        private float learningRate = DEFAULT_LEARNING_RATE;
        private float warmupFraction = DEFAULT_WARMUP_FRACTION;
        private int accumulationSteps = TrainingLoop.DEFAULT_ACCUMULATION_STEPS;
        private AdamW.Settings optimizer = AdamW.Settings.DEFAULTS;
        private int patience = DEFAULT_PATIENCE;
        private long seed = TrainingLoop.DEFAULT_SEED;
        private Path output;
        private final List<Consumer<StepMetrics>> listeners = new ArrayList<>();
        private final List<Consumer<EpochEvaluation>> evaluationListeners = new ArrayList<>();

        private Builder() {}

        public Builder model(AlbertModel model) { this.model = model; return this; }
        public Builder train(ClassificationData train) { this.train = train; return this; }
        public Builder validation(ClassificationData validation) { this.validation = validation; return this; }
        public Builder epochs(int epochs) { this.epochs = epochs; return this; }
        public Builder learningRate(float learningRate) { this.learningRate = learningRate; return this; }
        public Builder warmupFraction(float fraction) { this.warmupFraction = fraction; return this; }
        public Builder accumulationSteps(int steps) { this.accumulationSteps = steps; return this; }
        public Builder optimizer(AdamW.Settings settings) { this.optimizer = settings; return this; }
        public Builder patience(int epochs) { this.patience = epochs; return this; }
        public Builder seed(long seed) { this.seed = seed; return this; }
        /** Where {@code best/} is written; none: the best weights are only reported. */
        public Builder output(Path dir) { this.output = dir; return this; }
        public Builder listener(Consumer<StepMetrics> l) { this.listeners.add(l); return this; }
        public Builder evaluationListener(Consumer<EpochEvaluation> l) { this.evaluationListeners.add(l); return this; }

        public ClassifierFineTuning build() {
            if (model == null || train == null || validation == null) {
                throw new IllegalStateException("ClassifierFineTuning needs model(...), train(...) and validation(...)");
            }
            if (model.task() != dev.flinkalbert.model.AlbertTask.SEQUENCE_CLASSIFICATION) {
                throw new IllegalStateException("the model is a " + model.task().architecture()
                        + "; load it as SEQUENCE_CLASSIFICATION");
            }
            if (epochs < 1 || patience < 1 || accumulationSteps < 1) {
                throw new IllegalStateException("epochs, patience and accumulationSteps must be >= 1");
            }
            if (!(warmupFraction >= 0 && warmupFraction <= 1)) {
                throw new IllegalStateException("warmupFraction must be within [0, 1], got " + warmupFraction);
            }
            return new ClassifierFineTuning(this);
        }
    }
}
