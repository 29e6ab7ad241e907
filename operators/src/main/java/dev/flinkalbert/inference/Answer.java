package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;

/**
 * One extracted answer.
 *
 * @param text the answer, cut from the original context ({@code context.substring(start, end)}); empty for the
 *     no-answer option
 * @param score its probability as Hugging Face's question-answering pipeline computes it: start × end probability
 *     of the span within its window, summed over spans and windows that give the same text (case-insensitively)
 * @param start the answer's first character in the context (a Java {@code String} index, UTF-16)
 * @param end one past the answer's last character
 */
@PublicEvolving
public record Answer(String text, double score, int start, int end) {

    /** Whether this is the no-answer option (SQuAD 2.0 models, {@code handleImpossibleAnswer}). */
    public boolean isNoAnswer() {
        return text.isEmpty() && start == 0 && end == 0;
    }
}
