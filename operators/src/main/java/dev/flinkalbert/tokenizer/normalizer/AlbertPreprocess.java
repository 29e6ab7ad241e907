package dev.flinkalbert.tokenizer.normalizer;

import org.apache.flink.annotation.Internal;

/**
 * ALBERT's {@code preprocess_text} on one chunk: {@code " ".join(s.strip().split())} with Python's whitespace,
 * {@code ``} and {@code ''} to {@code "}, NFKD without the code points of non-zero combining class, and
 * {@code lower()} (with Python's final-sigma rule for a capital sigma that NFKD brought in).
 */
@Internal
public final class AlbertPreprocess implements Normalizer {

    private static final int SMALL_SIGMA = 0x03C3;
    private static final int FINAL_SIGMA = 0x03C2;

    private final UnicodeTables tables;

    public AlbertPreprocess(UnicodeTables tables) {
        this.tables = tables;
    }

    @Override
    public void normalize(AlignedText in, int from, int to, AlignedText out) {
        int outFrom = out.length();
        out.reserve(to - from);
        UnicodeTables.CodePointMapping decompose = tables.decomposeLower();
        boolean sigma = false;
        boolean pendingSpace = false;
        for (int i = from; i < to; i++) {
            int cp = in.codePoint(i);
            if (tables.isSpace(cp)) {
                pendingSpace = out.length() > outFrom;
                continue;
            }
            if (pendingSpace) {
                // The joining space stands for the next word's start, as HF's Metaspace aligns its '▁'.
                out.append(' ', in.start(i), in.end(i));
                pendingSpace = false;
            }
            int start = in.start(i);
            int end = in.end(i);
            if ((cp == '`' || cp == '\'') && i + 1 < to && in.codePoint(i + 1) == cp) {
                // HF's Replace aligns the new quote with the second of the two characters.
                out.append('"', in.start(i + 1), in.end(i + 1));
                i++;
                continue;
            }
            if (cp < 0x80) {
                out.append(cp, start, end);
                continue;
            }
            if (UnicodeTables.isHangulSyllable(cp)) {
                appendHangul(cp, start, end, out);
                continue;
            }
            int entry = decompose.entry(cp);
            if (entry == 0) {
                out.append(cp, start, end, tables.isHfMark(cp));
                continue;
            }
            for (int k = 0, n = UnicodeTables.CodePointMapping.length(entry); k < n; k++) {
                int d = decompose.codePoint(entry, k);
                sigma |= d == UnicodeTables.CAPITAL_SIGMA;
                // Marks of combining class 0 stay (HF's StripAccents removes them): flagged, for token spans.
                out.append(d, start, end, tables.isHfMark(d));
            }
        }
        if (sigma) {
            resolveCapitalSigmas(out, outFrom);
        }
    }

    private static void appendHangul(int cp, int start, int end, AlignedText out) {
        int s = cp - UnicodeTables.HANGUL_FIRST;
        out.append(0x1100 + s / (21 * 28), start, end);
        out.append(0x1161 + (s % (21 * 28)) / 28, start, end);
        if (s % 28 != 0) {
            out.append(0x11A7 + s % 28, start, end);
        }
    }

    /** CPython's {@code handle_capital_sigma}: final form after a cased letter not followed by one. */
    private void resolveCapitalSigmas(AlignedText out, int from) {
        int to = out.length();
        for (int i = from; i < to; i++) {
            if (out.codePoint(i) != UnicodeTables.CAPITAL_SIGMA) {
                continue;
            }
            int j = i - 1;
            while (j >= from && tables.isCaseIgnorable(out.codePoint(j))) {
                j--;
            }
            boolean fin = j >= from && tables.isCased(out.codePoint(j));
            if (fin) {
                int k = i + 1;
                while (k < to && tables.isCaseIgnorable(out.codePoint(k))) {
                    k++;
                }
                fin = k == to || !tables.isCased(out.codePoint(k));
            }
            out.setCodePoint(i, fin ? FINAL_SIGMA : SMALL_SIGMA);
        }
    }
}
