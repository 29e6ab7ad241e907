package dev.flinkalbert.tokenizer.pretokenizer;

import dev.flinkalbert.tokenizer.normalizer.AlignedText;
import org.apache.flink.annotation.Internal;

/**
 * The special-token literals that are cut out of the text before anything else touches it ({@code <pad> <unk>
 * [CLS] [SEP] [MASK]} for ALBERT), matched case-sensitively and leftmost, as transformers' added-token split does.
 * A literal becomes one token; the text between literals is tokenised chunk by chunk.
 */
@Internal
public final class SpecialLiterals {

    private final int[][] literals;
    private final int[] ids;
    private final boolean[] leftStrip;
    private final boolean[] startsLiteral = new boolean[128];

    /**
     * {@code literals[i]} (ASCII) becomes the token {@code ids[i]}; where {@code leftStrip[i]} (HF's {@code lstrip},
     * as {@code [MASK]} has) the literal also swallows the whitespace before it.
     */
    public SpecialLiterals(String[] literals, int[] ids, boolean[] leftStrip) {
        if (literals.length != ids.length || literals.length != leftStrip.length) {
            throw new IllegalArgumentException("one id and one lstrip flag per literal");
        }
        this.literals = new int[literals.length][];
        this.ids = ids.clone();
        this.leftStrip = leftStrip.clone();
        for (int i = 0; i < literals.length; i++) {
            String s = literals[i];
            if (s.isEmpty() || !s.chars().allMatch(c -> c < 128)) {
                throw new IllegalArgumentException("special literals must be non-empty ASCII: " + s);
            }
            this.literals[i] = s.codePoints().toArray();
            startsLiteral[s.charAt(0)] = true;
        }
    }

    /** The index of the literal that starts at {@code i} and ends at or before {@code to}, or -1. */
    public int matchAt(AlignedText text, int i, int to) {
        int first = text.codePoint(i);
        if (first >= 128 || !startsLiteral[first]) {
            return -1;
        }
        for (int k = 0; k < literals.length; k++) {
            int[] lit = literals[k];
            if (i + lit.length <= to && matches(text, i, lit)) {
                return k;
            }
        }
        return -1;
    }

    private static boolean matches(AlignedText text, int i, int[] lit) {
        for (int j = 0; j < lit.length; j++) {
            if (text.codePoint(i + j) != lit[j]) {
                return false;
            }
        }
        return true;
    }

    public int length(int literal) {
        return literals[literal].length;
    }

    public int id(int literal) {
        return ids[literal];
    }

    public boolean leftStrip(int literal) {
        return leftStrip[literal];
    }

    public String text(int literal) {
        return new String(literals[literal], 0, literals[literal].length);
    }
}
