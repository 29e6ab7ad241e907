package dev.flinkalbert.inference;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Turns logits into a {@link ClassificationPrediction} as Hugging Face's text-classification pipeline does: softmax
 * over the classes, or an independent sigmoid per class for {@code multi_label_classification} models.
 */
final class ClassificationHead {

    private final List<String> labels;
    private final boolean multiLabel;
    private final int topK;

    ClassificationHead(List<String> labels, boolean multiLabel, int topK) {
        if (topK < 1) {
            throw new IllegalArgumentException("topK must be at least 1, got " + topK);
        }
        this.labels = List.copyOf(labels);
        this.multiLabel = multiLabel;
        this.topK = Math.min(topK, labels.size());
    }

    ClassificationPrediction predict(float[] logits) {
        float[] scores = multiLabel ? sigmoid(logits) : softmax(logits);
        LabelScore[] top = new LabelScore[topK];
        if (topK == 1) {
            // Only the best class: no ranking of the others. The first of equal best scores, as the sort below.
            int best = 0;
            for (int i = 1; i < scores.length; i++) {
                if (Double.compare(-scores[i], -scores[best]) < 0) {
                    best = i;
                }
            }
            top[0] = new LabelScore(labels.get(best), best, scores[best]);
        } else {
            Integer[] order = new Integer[scores.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            // Stable: equal scores keep class order, as numpy's argsort of the negated scores does for the pipeline.
            Arrays.sort(order, Comparator.comparingDouble(i -> -scores[i]));
            for (int k = 0; k < topK; k++) {
                top[k] = new LabelScore(labels.get(order[k]), order[k], scores[order[k]]);
            }
        }
        // An immutable list, which the prediction keeps as it is instead of copying it.
        return new ClassificationPrediction(top[0].label(), top[0].score(), List.of(top), scores, logits);
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] exp = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            exp[i] = Math.exp(logits[i] - max);
            sum += exp[i];
        }
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (exp[i] / sum);
        }
        return out;
    }

    static float[] sigmoid(float[] logits) {
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (1.0 / (1.0 + Math.exp(-logits[i])));
        }
        return out;
    }
}
