package dev.flinkalbert.tokenizer.model;

/**
 * SentencePiece's unigram segmentation ({@code EncodeOptimized} of sentencepiece 0.2.x): a Viterbi pass over the
 * UTF-8 bytes, from each character start trying every piece the trie matches, shortest first; piece scores are
 * float32, path scores double; a strictly better score replaces a stored one, so exact ties keep the earliest start.
 * Where no one-character piece matches, an unknown node covers the character with {@code min score - 10};
 * consecutive unknown pieces are merged. User-defined pieces score {@code length * maxScore - 0.1}.
 */
public final class Unigram {

    /** How a piece takes part in the lattice. */
    public static final byte NORMAL = 0;
    public static final byte USER_DEFINED = 1;
    public static final byte UNUSED = 2;

    private static final float UNK_PENALTY = 10.0f;

    private final DoubleArrayTrie trie;
    private final float[] scores;
    private final byte[] kinds;
    private final int unkId;
    private final float unkScore;
    private final float maxScore;

    /**
     * @param trie the pieces that text can match (normal, user-defined and unused), valued by id
     * @param scores every piece's score by id
     * @param kinds {@link #NORMAL}, {@link #USER_DEFINED} or {@link #UNUSED} by id (other ids never match)
     * @param minScore the lowest score of a normal piece
     * @param maxScore the highest score of a normal piece, at least {@code Float.MIN_NORMAL} (C's FLT_MIN)
     */
    public Unigram(DoubleArrayTrie trie, float[] scores, byte[] kinds, int unkId, float minScore, float maxScore) {
        this.trie = trie;
        this.scores = scores.clone();
        this.kinds = kinds.clone();
        this.unkId = unkId;
        this.unkScore = minScore - UNK_PENALTY;
        this.maxScore = maxScore;
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
        double[] best = lattice.score;
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
            double base = best[s];
            boolean single = false;
            int node = DoubleArrayTrie.ROOT;
            for (int j = s; j < n; j++) {
                node = trie.child(node, text[j]);
                if (node < 0) {
                    break;
                }
                int id = trie.value(node);
                if (id < 0 || kinds[id] == UNUSED) {
                    continue;
                }
                int length = j + 1 - s;
                double score = kinds[id] == USER_DEFINED
                        ? (double) (length * maxScore) - 0.1
                        : scores[id];
                double candidate = score + base;
                int e = j + 1;
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
                double candidate = unkScore + base;
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
