package dev.flinkalbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pairs, truncation by transformers' slow rules (hand-checked counts), QA windows, batches, bad input and
 * concurrency.
 */
class TokenizerPairsAndInputsTest {

    private static AlbertTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = AlbertTokenizer.fromSpieceModel(Fixtures.require("albert-base-v2/spiece.model"));
    }

    private static final String[] WORDS = {"the", "cat", "dog", "house", "car", "tree", "book", "water", "city",
        "music", "game", "time", "world", "day", "life", "art", "love", "food", "king", "war"};

    /** {@code n} words of one piece each ("▁cat"), starting at the {@code first}-th of a fixed list. */
    private static String words(int n, char first) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[(first - 'a' + i) % WORDS.length]);
        }
        assertEquals(n, tokenizer.pieceIds(sb.toString()).length, "one piece per letter in " + sb);
        return sb.toString();
    }

    private static int[] expectedPair(String a, int keepA, String b, int keepB) {
        int[] pa = tokenizer.pieceIds(a);
        int[] pb = tokenizer.pieceIds(b);
        int[] out = new int[keepA + keepB + 3];
        out[0] = 2;
        System.arraycopy(pa, 0, out, 1, keepA);
        out[keepA + 1] = 3;
        System.arraycopy(pb, 0, out, keepA + 2, keepB);
        out[out.length - 1] = 3;
        return out;
    }

    @Test
    void longestFirstSplitsOddRemovalsAsTheSlowTokenizer() {
        String a10 = words(10, 'a');
        String b13 = words(13, 'b');
        // remove 10: first = 3 from B, the 7 left go 3 to A and 4 to B: slow keeps 7 / 6 (fast would keep 6 / 7)
        Encoding e = tokenizer.encodePair(a10, b13, 16, Truncation.LONGEST_FIRST);
        assertArrayEquals(expectedPair(a10, 7, b13, 6), e.ids());
        assertTrue(e.truncated());
        assertEquals(16, e.length());
        // A longer: remove 10, first = 3 from A, then A loses 3 and B 4: 7 / 6 again
        Encoding f = tokenizer.encodePair(b13, a10, 16, Truncation.LONGEST_FIRST);
        assertArrayEquals(expectedPair(b13, 7, a10, 6), f.ids());
        // even removal from equal lengths: 10 + 10 into 15 → remove 5: A loses 2, B loses 3
        String c10 = words(10, 'c');
        assertArrayEquals(expectedPair(a10, 8, c10, 7), tokenizer.encodePair(a10, c10, 18, Truncation.LONGEST_FIRST).ids());
    }

    @Test
    void onlyFirstAndOnlySecondCutOneSideOrNothing() {
        String a10 = words(10, 'a');
        String b13 = words(13, 'b');
        assertArrayEquals(expectedPair(a10, 10, b13, 3), tokenizer.encodePair(a10, b13, 16, Truncation.ONLY_SECOND).ids());
        assertArrayEquals(expectedPair(b13, 3, a10, 10), tokenizer.encodePair(b13, a10, 16, Truncation.ONLY_FIRST).ids());
        // the reference leaves everything when the target is not strictly longer than what must go
        Encoding untouched = tokenizer.encodePair(a10, b13, 16, Truncation.ONLY_FIRST);
        assertArrayEquals(expectedPair(a10, 10, b13, 13), untouched.ids());
        assertFalse(untouched.truncated());
    }

    @Test
    void pairTemplateHasTypesAndSequenceIds() {
        Encoding e = tokenizer.encodePair("Hello world", "Good night", 64, Truncation.LONGEST_FIRST);
        int la = tokenizer.pieceIds("Hello world").length;
        int n = e.length();
        for (int i = 0; i < n; i++) {
            assertEquals(i <= la + 1 ? 0 : 1, e.typeIds()[i], "type of " + i);
            int seq = i == 0 || i == la + 1 || i == n - 1 ? -1 : i <= la ? 0 : 1;
            assertEquals(seq, e.sequenceIds()[i], "sequence of " + i);
        }
        assertEquals("night", "Good night".substring(e.starts()[n - 2], e.ends()[n - 2]));
        assertEquals(0, e.starts()[0]);
        assertEquals(0, e.ends()[n - 1]);
    }

    @Test
    void singleTruncationKeepsTheFirstTokens() {
        String a10 = words(10, 'a');
        Encoding e = tokenizer.encode(a10, 5);
        int[] p = tokenizer.pieceIds(a10);
        assertArrayEquals(new int[] {2, p[0], p[1], p[2], 3}, e.ids());
        assertTrue(e.truncated());
        assertEquals(12, tokenizer.encode(a10).length());
    }

    @Test
    void questionContextWindowsOverlapByTheStride() {
        String q = words(3, 'q');
        String context = words(40, 'a');
        int[] c = tokenizer.pieceIds(context);
        // max 20 → 17 for question + window → windows of 14 tokens, step 14 - 4 = 10: [0,14) [10,24) [20,34) [30,40)
        List<Encoding> windows = tokenizer.encodeQuestionContext(q, context, 20, 4);
        assertEquals(4, windows.size());
        int[][] ranges = {{0, 14}, {10, 24}, {20, 34}, {30, 40}};
        for (int w = 0; w < 4; w++) {
            Encoding e = windows.get(w);
            int[] expected = expectedPair(q, 3, "", 0);
            int from = ranges[w][0];
            int to = ranges[w][1];
            int[] ids = Arrays.copyOfRange(e.ids(), 5, e.length() - 1);
            assertArrayEquals(Arrays.copyOfRange(c, from, to), ids, "window " + w);
            assertArrayEquals(Arrays.copyOfRange(expected, 0, 5), Arrays.copyOfRange(e.ids(), 0, 5));
            // spans point into the context
            assertEquals(WORDS[from % WORDS.length], context.substring(e.starts()[5], e.ends()[5]));
            assertTrue(e.truncated());
        }
        assertEquals(1, tokenizer.encodeQuestionContext(q, words(5, 'a'), 20, 4).size());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.encodeQuestionContext(q, context, 20, 14));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.encodeQuestionContext(words(17, 'a'), context, 20, 4));
    }

    @Test
    void paddedBatchPadsToTheLongest() {
        PaddedBatch b = tokenizer.encodeBatch(List.of("hello", "hello world, how are you", ""), 128);
        int longest = tokenizer.encode("hello world, how are you").length();
        assertEquals(3, b.rows());
        assertEquals(longest, b.columns());
        assertArrayEquals(new int[] {3, longest, 2}, b.lengths());
        assertEquals(2, b.inputIds()[2 * longest]);
        assertEquals(3, b.inputIds()[2 * longest + 1]);
        assertEquals(tokenizer.padId(), b.inputIds()[2 * longest + 2]);
        assertEquals(0, b.attentionMask()[2 * longest + 2]);
        assertEquals(0, b.attentionMask()[longest - 1]);
        assertEquals(1, b.attentionMask()[2 * longest - 1]);
        PaddedBatch pairs = tokenizer.encodePairBatch(List.of(words(1, 'a'), words(2, 'b')),
                List.of(words(3, 'd'), words(1, 'g')), 128, Truncation.LONGEST_FIRST);
        assertEquals(7, pairs.columns());
        assertArrayEquals(new long[] {0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0}, pairs.tokenTypeIds());
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, pairs.attentionMask());
    }

    @Test
    void badInput() {
        NullPointerException npe = assertThrows(NullPointerException.class, () -> tokenizer.encode(null));
        assertTrue(npe.getMessage().contains("text"), npe.getMessage());
        assertThrows(NullPointerException.class, () -> tokenizer.encodePair("a", null, 16, Truncation.LONGEST_FIRST));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.encode("a", 1));
        assertArrayEquals(new int[] {2, 3}, tokenizer.encode("").ids());
        assertArrayEquals(new int[] {2, 3}, tokenizer.encode(" \t\n\u3000").ids());
        // a lone surrogate is what a UTF-8 encoder makes of it: U+FFFD
        assertArrayEquals(tokenizer.pieceIds("a\uFFFDb"), tokenizer.pieceIds("a\uD800b"));
        assertArrayEquals(tokenizer.pieceIds("a\uFFFDb"), tokenizer.pieceIds("a\uDC00b"));
        // (the charsmap deletes U+FFFD, so "x\uD800" is "▁x" with the span of the x)
        Encoding e = tokenizer.encode("x\uD800");
        assertArrayEquals(tokenizer.encode("x").ids(), e.ids());
        assertEquals(1, e.ends()[1]);
    }

    @Test
    void tenMegabytesOfMixedTextEncodeWithSpansInBounds() {
        String[] parts = {"The quick brown fox, 1,000,000 times. ", "Grüße aus Köln! ", "数字签名错误 ", "ｈｅｌｌｏ ",
            "उलटें नियंत्रण ", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "\u00a0\u2007 [MASK] ", "🤗😀 ", "\n\n\t"};
        StringBuilder sb = new StringBuilder(10_500_000);
        for (int i = 0; sb.length() < 10_000_000; i++) {
            sb.append(parts[i % parts.length]);
        }
        String text = sb.toString();
        Encoding e = tokenizer.encode(text);
        assertTrue(e.length() > 1_000_000, "tokens: " + e.length());
        int previous = 0;
        for (int i = 1; i < e.length() - 1; i++) {
            assertTrue(e.starts()[i] >= previous && e.starts()[i] <= e.ends()[i] && e.ends()[i] <= text.length());
            previous = e.starts()[i];
        }
        // one word that never ends: the lattice stays linear (bounded by the longest piece)
        assertTrue(tokenizer.encode("a".repeat(2_000_000)).length() > 2);
    }

    @Test
    void sharedAcrossThreadsGivesTheSameEncodings() throws Exception {
        List<String> texts = new ArrayList<>();
        IntStream.range(0, 200).forEach(i -> texts.add("text number " + i + ", Grüße " + "ab".repeat(i % 17)));
        List<int[]> expected = new ArrayList<>();
        texts.forEach(t -> expected.add(tokenizer.encode(t).ids()));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                results.add(pool.submit(() -> {
                    for (int r = 0; r < 20; r++) {
                        for (int i = 0; i < texts.size(); i++) {
                            if (!Arrays.equals(expected.get(i), tokenizer.encode(texts.get(i)).ids())) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
