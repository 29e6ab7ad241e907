package dev.flinkalbert.inference;

import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * A classifier's result for one input.
 *
 * @param label the best class's name
 * @param score the best class's score
 * @param top the best classes, best first (as many as the predictor's {@code topK})
 * @param scores every class's score by class index
 * @param logits the model's raw logits by class index
 */
@PublicEvolving
public record ClassificationPrediction(String label, float score, List<LabelScore> top, float[] scores,
        float[] logits) {

    public ClassificationPrediction {
        top = List.copyOf(top);
    }
}
