package dev.flinkalbert.tokenizer.model;

import org.apache.flink.annotation.Internal;

/**
 * SentencePiece's unigram segmentation ({@code EncodeOptimized}): a Viterbi pass over the UTF-8 bytes, from each
 * character start trying every piece the trie matches, shortest first; a strictly better score replaces a stored
 * one. Scores and path scores are float32 and every candidate is a float32 sum, as the sentencepiece 0.2.2 wheel
 * computes them (checked on 23,000 generated texts): keeping path scores in double breaks exact ties between
 * permutations of the same pieces differently ({@code a666666…} gives {@code 6|66|66…} instead of SentencePiece's
 * {@code 66|66|66|6|66…}; 614 of 3,000 digit-run texts differed). A user-defined piece scores its own score from
 * the model (0 for ALBERT's), not the {@code length * maxScore - 0.1} bonus of older sentencepiece sources: with the
 * bonus, 12 of 50,000 generated texts differed from the wheel, without it 1.
 * Where no one-character piece matches, an unknown node covers the character with {@code min score - 10};
 * consecutive unknown pieces are merged.
 */
@Internal
public final class Unigram {

    private static final float UNK_PENALTY = 10.0f;

    private final DoubleArrayTrie trie;
    private final float[] scores;
    private final boolean[] unused;
    private final int unkId;
    private final float unkScore;

    /**
     * @param trie the pieces that text can match (normal, user-defined and unused), valued by id
     * @param scores every piece's score by id
     * @param unused by id: pieces of type UNUSED, which the trie holds but the lattice skips
     * @param minScore the lowest score of a normal piece
     */
    public Unigram(DoubleArrayTrie trie, float[] scores, boolean[] unused, int unkId, float minScore) {
        this.trie = trie;
        this.scores = scores.clone();
        this.unused = unused.clone();
        this.unkId = unkId;
        this.unkScore = minScore - UNK_PENALTY;
    }

    public DoubleArrayTrie trie() {
        return trie;
    }

    public int unkId() {
        return unkId;
    }

    /** Segments {@code text[0, n)} into {@code out} (cleared first). */
    public void encode(byte[] text, int n, Lattice lattice, PieceList out) {
        out.clear();
        if (n == 0) {
            return;
        }
        lattice.ensure(n + 1);
        float[] best = lattice.score;
        int[] bestStart = lattice.start;
        int[] bestId = lattice.id;
        for (int i = 1; i <= n; i++) {
            bestStart[i] = -1;
        }
        best[0] = 0;
        int s = 0;
        while (s < n) {
            int lead = text[s] & 0xFF;
            int charLen = Math.min(lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4, n - s);
            float base = best[s];
            boolean single = false;
            int node = DoubleArrayTrie.ROOT;
            for (int j = s; j < n; j++) {
                node = trie.child(node, text[j]);
                if (node < 0) {
                    break;
                }
                int id = trie.value(node);
                if (id < 0 || unused[id]) {
                    continue;
                }
                int length = j + 1 - s;
                int e = j + 1;
                float candidate = scores[id] + base;
                if (bestStart[e] == -1 || candidate > best[e]) {
                    best[e] = candidate;
                    bestStart[e] = s;
                    bestId[e] = id;
                }
                if (length == charLen) {
                    single = true;
                }
            }
            if (!single) {
                int e = s + charLen;
                float candidate = unkScore + base;
                if (bestStart[e] == -1 || candidate > best[e]) {
                    best[e] = candidate;
                    bestStart[e] = s;
                    bestId[e] = unkId;
                }
            }
            s += charLen;
        }
        for (int e = n; e > 0; e = bestStart[e]) {
            int id = bestId[e];
            if (id == unkId && out.size() > 0 && out.id(out.size() - 1) == unkId) {
                // reading backwards: the piece after this one is unknown too, so it grows to the left
                out.setLastStart(bestStart[e]);
            } else {
                out.add(bestStart[e], e, id);
            }
        }
        out.reverse();
    }
}
