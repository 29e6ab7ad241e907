package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;

/**
 * One entity found in a text, as Hugging Face's token-classification pipeline reports it.
 *
 * @param label the pipeline's {@code entity} (a token's label, such as {@code B-PER}) for
 *     {@link EntityAggregation#NONE}, else its {@code entity_group} (the type, such as {@code PER})
 * @param score the label's probability (softmax per token), or the mean over the grouped tokens; for
 *     {@link EntityAggregation#AVERAGE} the word's averaged probability
 * @param word the pipeline's {@code word}: the piece ({@code ▁} included) for {@code NONE}; else the pieces decoded
 *     (SentencePiece's {@code ▁} as a space, dropped at the start); an unknown piece is its original text
 * @param start the entity's first character in the text (a Java {@code String} index, UTF-16), inclusive
 * @param end the character after the entity's last one, exclusive
 * @param index for {@code NONE}, the token's position in {@code [CLS] text [SEP]} ({@code [CLS]} is 0, also
 *     across windows); -1 for grouped entities
 */
@PublicEvolving
public record Entity(String label, float score, String word, int start, int end, int index) {

    /** Whether this is a group of tokens ({@code entity_group}) rather than one token ({@code entity}). */
    public boolean grouped() {
        return index < 0;
    }
}
