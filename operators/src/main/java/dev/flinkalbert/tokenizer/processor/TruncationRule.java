package dev.flinkalbert.tokenizer.processor;

import dev.flinkalbert.tokenizer.Truncation;
import org.apache.flink.annotation.Internal;

/**
 * How many tokens of each sequence survive truncation, by transformers' slow {@code truncate_sequences}.
 * {@code longest_first} on a pair: {@code first = min(|la - lb|, remove)}, {@code second = remove - first}; the
 * longer loses {@code first} plus half of {@code second} (the first sequence gets the smaller half when it is not
 * longer). {@code only_first}, {@code only_second} and single sequences cut only when the target is strictly
 * longer than what must go, else leave everything (the reference logs an error and does the same).
 */
@Internal
public final class TruncationRule {

    private TruncationRule() {}

    /** Kept lengths {@code {a, b}} for a pair within {@code budget} = max_length - 3 tokens. */
    public static int[] keepPair(int la, int lb, int budget, Truncation strategy) {
        int remove = la + lb - budget;
        if (remove <= 0) {
            return new int[] {la, lb};
        }
        switch (strategy) {
            case LONGEST_FIRST: {
                int first = Math.min(Math.abs(la - lb), remove);
                int second = remove - first;
                if (la > lb) {
                    return new int[] {la - (first + second / 2), lb - (second - second / 2)};
                }
                return new int[] {la - second / 2, lb - (first + second - second / 2)};
            }
            case ONLY_FIRST:
                return la > remove ? new int[] {la - remove, lb} : new int[] {la, lb};
            case ONLY_SECOND:
                return lb > remove ? new int[] {la, lb - remove} : new int[] {la, lb};
            default:
                throw new IllegalArgumentException("unknown truncation " + strategy);
        }
    }

    /** Kept length of a single sequence within {@code budget} = max_length - 2 tokens. */
    public static int keepSingle(int length, int budget) {
        int remove = length - budget;
        return remove > 0 && length > remove ? length - remove : length;
    }

    /**
     * QA windows over a context of {@code contextLength} tokens, HF tokenizers' overflow rule: windows of
     * {@code len = budget - questionLength} tokens starting every {@code len - stride} tokens, until one reaches the
     * end. Returns {@code {start0, stop0, start1, stop1, …}}.
     */
    public static int[] windows(int questionLength, int contextLength, int budget, int stride) {
        if (stride < 0) {
            throw new IllegalArgumentException("stride must be >= 0, got " + stride);
        }
        if (questionLength + contextLength <= budget) {
            return new int[] {0, contextLength};
        }
        int len = budget - questionLength;
        if (len <= 0) {
            throw new IllegalArgumentException("the question has " + questionLength
                    + " tokens, which leaves no room for the context within max_length (" + (budget + 3) + ")");
        }
        if (stride >= len) {
            throw new IllegalArgumentException("stride " + stride + " must be smaller than the context window of "
                    + len + " tokens (max_length - 3 - question tokens)");
        }
        int step = len - stride;
        int count = 1 + Math.max(0, (contextLength - len + step - 1) / step);
        int[] out = new int[2 * count];
        for (int w = 0; w < count; w++) {
            out[2 * w] = w * step;
            out[2 * w + 1] = Math.min(w * step + len, contextLength);
        }
        return out;
    }
}
