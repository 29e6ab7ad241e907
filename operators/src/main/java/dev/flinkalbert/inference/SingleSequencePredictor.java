package dev.flinkalbert.inference;

import dev.flinkalbert.tokenizer.Encoding;
import dev.flinkalbert.tokenizer.Truncation;
import java.util.List;
import java.util.Set;

/**
 * A predictor that reads one sequence per input: the text, or the text pair truncated longest first, cut at
 * {@code maxLength} tokens; the result is what the head read from that sequence.
 *
 * @param <T> the result of one input
 */
abstract class SingleSequencePredictor<T> extends TokenizedPredictor<T, T> {

    private final int maxLength;

    SingleSequencePredictor(AlbertModel model, Set<String> outputs, PredictorLimits limits, int maxLength) {
        super(model, outputs, limits.maxBatchSize(), limits.tokenBudget());
        this.maxLength = maxLength;
    }

    @Override
    final List<Encoding> tokenize(TextInput input) {
        return List.of(input.textPair() == null ? tokenizer.encode(input.text(), maxLength)
                : tokenizer.encodePair(input.text(), input.textPair(), maxLength, Truncation.LONGEST_FIRST));
    }

    @Override
    final T combine(TextInput input, List<Encoding> encodings, List<T> read) {
        return read.get(0);
    }
}
