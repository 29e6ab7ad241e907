package dev.flinkalbert.model.pretraining;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * ALBERT's masked-LM corruption: 15% of the tokens are chosen as spans of 1 to 3 whole words (n drawn with
 * probability proportional to 1/n, as in the paper), and each chosen token becomes [MASK] (80%), a random piece
 * (10%) or stays (10%). Special tokens are never chosen.
 */
public final class NgramMasking {

    public static final double DEFAULT_MASK_PROBABILITY = 0.15;
    public static final int DEFAULT_MAX_NGRAM = 3;

    private final Vocabulary vocabulary;
    private final double maskProbability;
    private final double[] ngramCumulative;

    public NgramMasking(Vocabulary vocabulary, double maskProbability, int maxNgram) {
        if (maxNgram < 1) {
            throw new IllegalArgumentException("maxNgram must be >= 1, got " + maxNgram);
        }
        this.vocabulary = vocabulary;
        this.maskProbability = maskProbability;
        double[] weights = new double[maxNgram];
        double sum = 0;
        for (int n = 1; n <= maxNgram; n++) {
            sum += 1.0 / n;
            weights[n - 1] = sum;
        }
        for (int i = 0; i < maxNgram; i++) {
            weights[i] /= sum;
        }
        this.ngramCumulative = weights;
    }

    /** The corrupted ids, and the positions (ascending) and original ids of the tokens to predict. */
    public record Masked(int[] ids, int[] positions, int[] labels) {}

    public Masked apply(int[] ids, SplittableRandom random) {
        // words: runs of ordinary pieces, each starting at a word-start piece
        List<int[]> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= ids.length; i++) {
            boolean ordinary = i < ids.length && !isSpecial(ids[i]);
            boolean boundary = !ordinary || vocabulary.wordStart().test(ids[i]);
            if (start >= 0 && boundary) {
                words.add(new int[] {start, i});
                start = -1;
            }
            if (ordinary && start < 0) {
                start = i;
            }
        }
        int ordinaryTokens = words.stream().mapToInt(w -> w[1] - w[0]).sum();
        int budget = Math.min(ordinaryTokens, Math.max(1, (int) Math.round(ordinaryTokens * maskProbability)));
        boolean[] chosen = new boolean[ids.length];
        boolean[] wordUsed = new boolean[words.size()];
        int[] order = shuffled(words.size(), random);
        int count = 0;
        for (int w : order) {
            if (count >= budget) {
                break;
            }
            int n = ngram(random);
            // shrink the span until it fits the budget and does not overlap chosen words
            for (; n >= 1; n--) {
                int last = Math.min(words.size(), w + n);
                int tokens = 0;
                boolean free = true;
                for (int k = w; k < last; k++) {
                    free &= !wordUsed[k];
                    tokens += words.get(k)[1] - words.get(k)[0];
                }
                if (free && count + tokens <= budget) {
                    for (int k = w; k < last; k++) {
                        wordUsed[k] = true;
                        for (int i = words.get(k)[0]; i < words.get(k)[1]; i++) {
                            chosen[i] = true;
                        }
                    }
                    count += tokens;
                    break;
                }
            }
        }
        int[] out = ids.clone();
        int[] positions = new int[count];
        int[] labels = new int[count];
        int at = 0;
        for (int i = 0; i < ids.length; i++) {
            if (!chosen[i]) {
                continue;
            }
            positions[at] = i;
            labels[at++] = ids[i];
            double r = random.nextDouble();
            if (r < 0.8) {
                out[i] = vocabulary.mask();
            } else if (r < 0.9) {
                out[i] = vocabulary.firstOrdinaryId() + random.nextInt(vocabulary.size() - vocabulary.firstOrdinaryId());
            }
        }
        return new Masked(out, Arrays.copyOf(positions, at), Arrays.copyOf(labels, at));
    }

    private boolean isSpecial(int id) {
        return id == vocabulary.pad() || id == vocabulary.cls() || id == vocabulary.sep() || id == vocabulary.mask();
    }

    private int ngram(SplittableRandom random) {
        double r = random.nextDouble();
        for (int i = 0; i < ngramCumulative.length; i++) {
            if (r < ngramCumulative[i]) {
                return i + 1;
            }
        }
        return ngramCumulative.length;
    }

    private static int[] shuffled(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
