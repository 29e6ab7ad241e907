package dev.flinkalbert.inference;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * What one head computes, with its own options: one record per task ({@link ClassificationSpec},
 * {@link EmbeddingSpec}, {@link AnswerSpec}, {@link TokenClassificationSpec}), each owning its options and their defaults, their validation, and how
 * it builds its predictor from an opened model. Serializable, so that it travels with a job graph; every layer (the
 * engine's builders, the DataStream operators, the SQL provider, {@code predict}, the jobs and the demo) passes a
 * spec along instead of switching on the task.
 *
 * <pre>{@code
 * TaskSpec<ClassificationPrediction> spec = ClassificationSpec.DEFAULTS.withTopK(3);
 * try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
 *         AlbertPredictor<ClassificationPrediction> predictor = spec.predictor(model, PredictorLimits.DEFAULTS)) {
 *     ClassificationPrediction p = predictor.predict(List.of(TextInput.of("great film"))).get(0).value();
 * }
 * }</pre>
 *
 * <p>A new head is a new record here (with its predictor), a new {@link ModelTask} constant naming it, and its
 * result mapping in each output layer; see ARCHITECTURE.md, "Where to add things".
 *
 * @param <P> the predictor's result of one input
 */
@PublicEvolving
public sealed interface TaskSpec<P> extends Serializable permits ClassificationSpec, EmbeddingSpec, AnswerSpec,
        TokenClassificationSpec {

    /** The head this spec runs. */
    ModelTask task();

    /** Adds what is wrong with these options, before any model is opened, to {@code problems}. */
    void check(List<String> problems);

    /**
     * A predictor of this head on {@code model}: checks that the model computes this task, then the options and
     * {@code limits} against the model, reporting every problem at once.
     *
     * @throws IllegalStateException when the model computes another task (or lacks an output the options need)
     * @throws IllegalArgumentException listing every option that does not fit
     */
    AlbertPredictor<P> predictor(AlbertModel model, PredictorLimits limits);

    /**
     * The most tokens one input can cost: the maximum length where inputs are truncated to it, unbounded where they
     * are cut into windows (question answering).
     */
    default long costCap(AlbertModel model, PredictorLimits limits) {
        return limits.maxLength() == null ? model.maxLength() : limits.maxLength();
    }

    /** This spec when {@link #check} finds nothing; otherwise an exception listing every problem. */
    default TaskSpec<P> checked() {
        List<String> problems = new ArrayList<>();
        check(problems);
        throwIfAny(problems);
        return this;
    }

    /** Throws {@link IllegalArgumentException} listing every problem, if there are any. */
    static void throwIfAny(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /** Throws {@link IllegalStateException} when {@code model} computes another task than {@code task}. */
    static void requireTask(AlbertModel model, ModelTask task, String predictor) {
        if (model.task() != task) {
            throw new IllegalStateException(predictor + " needs a " + task + " model, but " + model.directory()
                    + " is a " + model.task() + " model (outputs " + model.outputNames() + ")");
        }
    }
}
