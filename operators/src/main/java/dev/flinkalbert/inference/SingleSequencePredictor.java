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

    SingleSequencePredictor(Builder<?, ?> b, Set<String> outputs) {
        super(b.model, outputs, b.maxBatchSize, b.tokenBudget);
        this.maxLength = b.maxLength;
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

    /**
     * The settings of a single-sequence predictor: those of every predictor and the longest tokenized input.
     *
     * @param <B> the concrete builder
     * @param <P> the predictor it builds
     */
    public abstract static class Builder<B extends Builder<B, P>, P> extends PredictorBuilder<B, P> {
        int maxLength;

        Builder(AlbertModel model) {
            super(model);
            this.maxLength = model.maxLength();
        }

        /** Longest tokenized input, {@code [CLS]}/{@code [SEP]} included (default: max_position_embeddings). */
        public B maxLength(int tokens) {
            this.maxLength = tokens;
            return self();
        }
    }
}
