package dev.flinkalbert.inference;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.flink.annotation.PublicEvolving;

/**
 * How token labels become entities: the {@code aggregation_strategy} of Hugging Face's token-classification
 * pipeline (transformers 4.57), with the same names.
 */
@PublicEvolving
public enum EntityAggregation {
    /** One entity per token that is not ignored: its best label ({@code B-PER}), score, piece and position. */
    NONE,
    /**
     * Tokens grouped into entities: a token joins the previous one when their types agree ({@code PER} of
     * {@code B-PER}/{@code I-PER}) and it is not a {@code B-}; the score is the mean of the tokens' scores.
     */
    SIMPLE,
    /** Each word takes the label of its first token, then words are grouped as {@link #SIMPLE} groups tokens. */
    FIRST,
    /** Each word takes the best label of its tokens' averaged probabilities, then grouped as {@link #SIMPLE}. */
    AVERAGE,
    /** Each word takes the label of its most confident token, then grouped as {@link #SIMPLE}. */
    MAX;

    /** The pipeline's name: {@code none}, {@code simple}, {@code first}, {@code average} or {@code max}. */
    public String pipelineName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether tokens are grouped into entities ({@code entity_group}) rather than reported one by one. */
    public boolean grouped() {
        return this != NONE;
    }

    /** Whether labels are decided per word (the word strategies) rather than per token. */
    boolean perWord() {
        return this == FIRST || this == AVERAGE || this == MAX;
    }

    /**
     * The strategy of a pipeline name, case-insensitive.
     *
     * @throws IllegalArgumentException naming the valid names
     */
    public static EntityAggregation of(String name) {
        for (EntityAggregation a : values()) {
            if (a.pipelineName().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown aggregation \"" + name + "\": use one of "
                + Arrays.stream(values()).map(EntityAggregation::pipelineName).collect(Collectors.joining(", ")));
    }
}
