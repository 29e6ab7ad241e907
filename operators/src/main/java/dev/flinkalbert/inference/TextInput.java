package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;

/**
 * One input text, or a pair: {@code [CLS] text [SEP] textPair [SEP]}. For question answering the text is the
 * question and the pair the context, as in Hugging Face's pipelines.
 *
 * @param text the text (a null text fails this input only)
 * @param textPair the second text, or null
 */
@PublicEvolving
public record TextInput(String text, String textPair) {

    /** A single text. */
    public static TextInput of(String text) {
        return new TextInput(text, null);
    }

    /** A text pair (sentence-pair classification). */
    public static TextInput pair(String text, String textPair) {
        return new TextInput(text, textPair);
    }

    /** A question about a context (extractive question answering). */
    public static TextInput question(String question, String context) {
        return new TextInput(question, context);
    }
}
