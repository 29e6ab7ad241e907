package dev.flinkalbert.inference;

import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * A token classifier's result for one text.
 *
 * @param entities the entities in text order, {@code O} (or whatever labels were ignored) left out
 * @param probabilities per piece of the text (no {@code [CLS]}/{@code [SEP]}), the softmax over the labels: row
 *     {@code i} is the token at position {@code i + 1} ({@link Entity#index()}); a piece in two windows keeps the
 *     probabilities of the first
 * @param windows how many windows the text was tagged in (1 unless it is longer than the maximum length)
 */
@PublicEvolving
public record TokenClassification(List<Entity> entities, float[][] probabilities, int windows) {

    public TokenClassification {
        entities = List.copyOf(entities);
    }
}
