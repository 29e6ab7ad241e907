package dev.flinkalbert.inference;

import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The answers to one question, best first: at most the answerer's {@code topK}; empty only when no span of the
 * context has a positive probability.
 *
 * @param answers the answers, best first
 * @param windows how many overlapping windows the context was cut into
 */
@PublicEvolving
public record AnswerPrediction(List<Answer> answers, int windows) {

    public AnswerPrediction {
        answers = List.copyOf(answers);
    }

    /** The best answer, or null when there is none. */
    public Answer best() {
        return answers.isEmpty() ? null : answers.get(0);
    }
}
