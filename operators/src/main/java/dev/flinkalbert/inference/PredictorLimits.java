package dev.flinkalbert.inference;

import java.io.Serializable;
import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The settings every head shares: how a call is cut into ONNX Runtime calls, and the longest tokenized input.
 *
 * @param maxBatchSize most sequences in one ONNX Runtime call (default {@value AlbertEncoder#DEFAULT_MAX_BATCH_SIZE}, the one batch-size default of
 *     the engine, the operators, SQL and the CLI)
 * @param tokenBudget most padded tokens (sequences × longest sequence) in one ONNX Runtime call (default
 *     {@value AlbertEncoder#DEFAULT_TOKEN_BUDGET}); a longer single sequence still goes alone
 * @param maxLength longest tokenized input, {@code [CLS]}/{@code [SEP]} included, or null for the head's default
 *     (truncating heads: the model's max_position_embeddings; question answering: its window,
 *     {@value AnswerSpec#DEFAULT_MAX_LENGTH})
 */
@PublicEvolving
public record PredictorLimits(int maxBatchSize, int tokenBudget, Integer maxLength) implements Serializable {

    /** The shortest {@code maxLength}: {@code [CLS]}, one token, {@code [SEP]}. */
    public static final int MIN_MAX_LENGTH = 3;

    /** Every setting at its default. */
    public static final PredictorLimits DEFAULTS =
            new PredictorLimits(AlbertEncoder.DEFAULT_MAX_BATCH_SIZE, AlbertEncoder.DEFAULT_TOKEN_BUDGET, null);

    public PredictorLimits withMaxBatchSize(int rows) {
        return new PredictorLimits(rows, tokenBudget, maxLength);
    }

    public PredictorLimits withTokenBudget(int tokens) {
        return new PredictorLimits(maxBatchSize, tokens, maxLength);
    }

    public PredictorLimits withMaxLength(Integer tokens) {
        return new PredictorLimits(maxBatchSize, tokenBudget, tokens);
    }

    /** Adds what is wrong with these settings, before any model is opened, to {@code problems}. */
    public void check(List<String> problems) {
        if (maxBatchSize < 1) {
            problems.add("maxBatchSize must be at least 1, got " + maxBatchSize);
        }
        if (tokenBudget < 1) {
            problems.add("tokenBudget must be at least 1, got " + tokenBudget);
        }
        if (maxLength != null && maxLength < MIN_MAX_LENGTH) {
            problems.add("maxLength must be at least " + MIN_MAX_LENGTH + ", got " + maxLength);
        }
    }

    /** {@link #maxLength}, or {@code headDefault} when unset; checked against the model's max_position_embeddings. */
    int maxLength(AlbertModel model, int headDefault, List<String> problems) {
        int length = maxLength == null ? headDefault : maxLength;
        if (length < MIN_MAX_LENGTH || length > model.maxLength()) {
            problems.add("maxLength must be between " + MIN_MAX_LENGTH + " and the model's max_position_embeddings "
                    + model.maxLength() + ", got " + length);
        }
        return length;
    }
}
