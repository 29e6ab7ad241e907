package dev.flinkalbert.inference;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Sequence classification ({@link ModelTask#CLASSIFICATION}): labels and scores for texts or text pairs.
 *
 * @param topK how many best classes {@link ClassificationPrediction#top()} lists, capped at the classes (default
 *     {@link #ALL_LABELS}: the label and score are the best class's, as Hugging Face's text-classification pipeline
 *     returns by default, and the scores of every class come with them)
 */
@PublicEvolving
public record ClassificationSpec(int topK) implements TaskSpec<ClassificationPrediction> {

    /** {@code topK} for every class, best first. */
    public static final int ALL_LABELS = Integer.MAX_VALUE;
    /** Default {@code topK}: {@link #ALL_LABELS}, everywhere (builders, SQL, CLI). */
    public static final int DEFAULT_TOP_K = ALL_LABELS;

    /** Every option at its default. */
    public static final ClassificationSpec DEFAULTS = new ClassificationSpec(DEFAULT_TOP_K);

    public ClassificationSpec withTopK(int k) {
        return new ClassificationSpec(k);
    }

    @Override
    public ModelTask task() {
        return ModelTask.CLASSIFICATION;
    }

    @Override
    public void check(List<String> problems) {
        if (topK < 1) {
            problems.add("topK must be at least 1, got " + topK);
        }
    }

    @Override
    public Classifier predictor(AlbertModel model, PredictorLimits limits) {
        TaskSpec.requireTask(model, task(), "a classifier");
        List<String> problems = new ArrayList<>();
        check(problems);
        limits.check(problems);
        int maxLength = limits.maxLength(model, model.maxLength(), problems);
        TaskSpec.throwIfAny(problems);
        return new Classifier(model, new ClassificationHead(model.labels(), model.multiLabel(), topK), limits,
                maxLength);
    }
}
