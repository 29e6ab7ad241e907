package dev.flinkalbert.model.pretraining;

import java.util.function.IntPredicate;

/**
 * What pretraining needs to know of the tokenizer's vocabulary: its size, the special ids, and which pieces start a
 * word (n-gram masking masks whole words, as ALBERT does). ALBERT's {@code spiece.model} has
 * {@code <pad>} 0, {@code <unk>} 1, {@code [CLS]} 2, {@code [SEP]} 3, {@code [MASK]} 4.
 */
public record Vocabulary(int size, int pad, int cls, int sep, int mask, int firstOrdinaryId, IntPredicate wordStart) {

    /** ALBERT's special ids; every piece counts as a word start unless told otherwise. */
    public static Vocabulary albert(int size, IntPredicate wordStart) {
        return new Vocabulary(size, 0, 2, 3, 4, 5, wordStart);
    }

    public Vocabulary {
        if (size <= firstOrdinaryId) {
            throw new IllegalArgumentException("vocabulary of " + size + " pieces has no ordinary piece");
        }
    }
}
