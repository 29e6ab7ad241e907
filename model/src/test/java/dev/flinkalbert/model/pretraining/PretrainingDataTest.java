package dev.flinkalbert.model.pretraining;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sentence-order pairs and n-gram masking keep the proportions and invariants of ALBERT's data recipe. */
class PretrainingDataTest {

    private static final Vocabulary VOCAB = Vocabulary.albert(1000, id -> id % 3 == 0);

    @Test
    void pairsKeepOrderOrSwapItAndFitTheLength() {
        // one document of ascending ids: a pair is in order exactly when its first half precedes its second
        List<int[]> doc = new ArrayList<>();
        int next = 10;
        for (int s = 0; s < 40; s++) {
            int[] sentence = new int[3 + s % 7];
            for (int i = 0; i < sentence.length; i++) {
                sentence[i] = next++;
            }
            doc.add(sentence);
        }
        List<SentenceOrderPairs.Pair> pairs = SentenceOrderPairs.create(List.of(doc, doc, doc, doc), 29, 0.1,
                new SplittableRandom(1));
        int swapped = 0;
        for (SentenceOrderPairs.Pair p : pairs) {
            assertTrue(p.first().length + p.second().length <= 29);
            assertTrue(p.first().length > 0 && p.second().length > 0);
            boolean inOrder = p.first()[p.first().length - 1] < p.second()[0];
            assertEquals(!inOrder, p.swapped());
            swapped += p.swapped() ? 1 : 0;
        }
        assertTrue(pairs.size() > 20, "pairs: " + pairs.size());
        assertTrue(swapped > pairs.size() / 4 && swapped < 3 * pairs.size() / 4, swapped + " of " + pairs.size());
    }

    @Test
    void maskingChoosesFifteenPercentInWholeWordSpansEightyTenTen() {
        NgramMasking masking = new NgramMasking(VOCAB, 0.15, 3);
        SplittableRandom random = new SplittableRandom(2);
        int chosen = 0;
        int total = 0;
        int masks = 0;
        int kept = 0;
        for (int n = 0; n < 400; n++) {
            int[] ids = new int[100];
            ids[0] = VOCAB.cls();
            for (int i = 1; i < 99; i++) {
                ids[i] = 5 + random.nextInt(995);
            }
            ids[99] = VOCAB.sep();
            NgramMasking.Masked m = masking.apply(ids, random);
            assertEquals(m.positions().length, m.labels().length);
            for (int k = 0; k < m.positions().length; k++) {
                int pos = m.positions()[k];
                assertTrue(pos > 0 && pos < 99, "special token chosen at " + pos);
                assertEquals(ids[pos], m.labels()[k]);
                masks += m.ids()[pos] == VOCAB.mask() ? 1 : 0;
                kept += m.ids()[pos] == ids[pos] ? 1 : 0;
                if (k > 0) {
                    assertTrue(pos > m.positions()[k - 1], "positions ascending");
                }
            }
            for (int i = 0; i < 100; i++) {
                boolean isChosen = contains(m.positions(), i);
                if (!isChosen) {
                    assertEquals(ids[i], m.ids()[i], "unchosen token changed");
                }
                // whole words: a continuation piece is chosen exactly when the piece before it is
                if (i > 1 && i < 99 && !VOCAB.wordStart().test(ids[i])) {
                    assertEquals(contains(m.positions(), i - 1), isChosen, "word split at " + i);
                }
            }
            chosen += m.positions().length;
            total += 98;
        }
        double share = chosen / (double) total;
        // the budget is round(98 * 0.15) = 15 tokens a row; spans that would overshoot it are shortened or skipped
        assertTrue(share > 0.13 && chosen <= 400 * 15, "share chosen " + share);
        assertTrue(Math.abs(masks / (double) chosen - 0.8) < 0.03, "[MASK] share " + masks / (double) chosen);
        assertTrue(Math.abs(kept / (double) chosen - 0.1) < 0.03, "kept share " + kept / (double) chosen);
    }

    private static boolean contains(int[] values, int v) {
        for (int x : values) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    @Test
    void batchesAreFunctionsOfTheirIndex() {
        List<List<int[]>> docs = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(4);
        for (int d = 0; d < 30; d++) {
            List<int[]> doc = new ArrayList<>();
            for (int s = 0; s < 5; s++) {
                int[] sentence = new int[2 + random.nextInt(8)];
                for (int i = 0; i < sentence.length; i++) {
                    sentence[i] = 5 + random.nextInt(995);
                }
                doc.add(sentence);
            }
            docs.add(doc);
        }
        PretrainingData a = new PretrainingData(docs, VOCAB, 24, 4, 7L);
        PretrainingData b = new PretrainingData(docs, VOCAB, 24, 4, 7L);
        long later = a.batchesPerEpoch() * 3L + 1;
        PretrainingBatch first = a.batch(later);
        a.batch(0);
        PretrainingBatch again = b.batch(later);
        assertArrayEquals(first.inputIds(), again.inputIds());
        assertArrayEquals(first.maskedPositions(), again.maskedPositions());
        assertArrayEquals(first.sentenceOrderLabels(), again.sentenceOrderLabels());
        assertArrayEquals(first.inputIds(), a.batch(later).inputIds());
        assertTrue(first.length() <= 24);
        assertEquals(VOCAB.cls(), first.inputIds()[0]);
    }
}
