package dev.flinkalbert.model.pretraining;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Cuts documents (lists of tokenized segments) into the segment pairs of ALBERT's sentence-order prediction, as
 * {@code create_pretraining_data.py} does: consecutive segments fill a chunk up to a target length (shorter with
 * probability {@code shortProbability}); the chunk splits at a random segment boundary into A and B; with
 * probability 1/2 they are swapped (label 1); the pair is trimmed from a random end of the longer side.
 */
public final class SentenceOrderPairs {

    /** One pretraining pair; {@code swapped} is the SOP label. */
    public record Pair(int[] first, int[] second, boolean swapped) {}

    private SentenceOrderPairs() {}

    /** Pairs of at most {@code maxTokens} pieces together (the sequence length less [CLS] and two [SEP]). */
    public static List<Pair> create(List<List<int[]>> documents, int maxTokens, double shortProbability,
            SplittableRandom random) {
        if (maxTokens < 2) {
            throw new IllegalArgumentException("maxTokens must be >= 2, got " + maxTokens);
        }
        List<Pair> pairs = new ArrayList<>();
        for (List<int[]> document : documents) {
            int target = random.nextDouble() < shortProbability ? 2 + random.nextInt(maxTokens - 1) : maxTokens;
            List<int[]> chunk = new ArrayList<>();
            int length = 0;
            for (int i = 0; i < document.size(); i++) {
                int[] segment = document.get(i);
                if (segment.length > 0) {
                    chunk.add(segment);
                    length += segment.length;
                }
                if ((i == document.size() - 1 || length >= target) && !chunk.isEmpty()) {
                    Pair pair = split(chunk, maxTokens, random);
                    if (pair != null) {
                        pairs.add(pair);
                    }
                    chunk = new ArrayList<>();
                    length = 0;
                    target = random.nextDouble() < shortProbability ? 2 + random.nextInt(maxTokens - 1) : maxTokens;
                }
            }
        }
        return pairs;
    }

    private static Pair split(List<int[]> chunk, int maxTokens, SplittableRandom random) {
        int[] a;
        int[] b;
        if (chunk.size() >= 2) {
            int end = 1 + random.nextInt(chunk.size() - 1);
            a = concat(chunk.subList(0, end));
            b = concat(chunk.subList(end, chunk.size()));
        } else {
            // One long segment: cut it at a random token, so that its halves still have an order to predict.
            int[] only = chunk.get(0);
            if (only.length < 2) {
                return null;
            }
            int cut = 1 + random.nextInt(only.length - 1);
            a = Arrays.copyOfRange(only, 0, cut);
            b = Arrays.copyOfRange(only, cut, only.length);
        }
        boolean swapped = random.nextDouble() < 0.5;
        if (swapped) {
            int[] t = a;
            a = b;
            b = t;
        }
        int[][] trimmed = truncatePair(a, b, maxTokens, random);
        return new Pair(trimmed[0], trimmed[1], swapped);
    }

    /** BERT's {@code truncate_seq_pair}: drop from a random end of the longer side until both fit. */
    static int[][] truncatePair(int[] a, int[] b, int maxTokens, SplittableRandom random) {
        int aStart = 0;
        int aEnd = a.length;
        int bStart = 0;
        int bEnd = b.length;
        while ((aEnd - aStart) + (bEnd - bStart) > maxTokens) {
            boolean trimA = (aEnd - aStart) > (bEnd - bStart);
            boolean front = random.nextDouble() < 0.5;
            if (trimA) {
                if (front) { aStart++; } else { aEnd--; }
            } else {
                if (front) { bStart++; } else { bEnd--; }
            }
        }
        return new int[][] {Arrays.copyOfRange(a, aStart, aEnd), Arrays.copyOfRange(b, bStart, bEnd)};
    }

    private static int[] concat(List<int[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
