package dev.flinkalbert.tokenizer.normalizer;

import java.util.Arrays;
import org.apache.flink.annotation.Internal;

/**
 * A text under normalisation, as code points, each with the span {@code [start, end)} of UTF-16 indices of the
 * original text it came from (HF tokenizers' {@code NormalizedString}, as primitive arrays). Every stage reads
 * one {@code AlignedText} and appends to another, carrying the spans along, so token offsets come for free.
 * Mutable and reused: one per thread in a workspace, never shared.
 */
@Internal
public final class AlignedText {

    private int[] codePoints;
    private int[] starts;
    private int[] ends;
    private boolean[] marks;
    private int length;

    public AlignedText(int capacity) {
        int c = Math.max(16, capacity);
        codePoints = new int[c];
        starts = new int[c];
        ends = new int[c];
        marks = new boolean[c];
    }

    /** Loads {@code text} as code points; a lone surrogate becomes U+FFFD, as a UTF-8 encoder would make it. */
    public void load(String text) {
        length = 0;
        ensureCapacity(text.length());
        int n = text.length();
        for (int i = 0; i < n; ) {
            char c = text.charAt(i);
            if (c < 0x80) {
                codePoints[length] = c;
                starts[length] = i;
                marks[length] = false;
                ends[length++] = ++i;
                continue;
            }
            int cp = text.codePointAt(i);
            int width = Character.charCount(cp);
            codePoints[length] = Character.isSurrogate((char) cp) && cp <= 0xFFFF ? 0xFFFD : cp;
            starts[length] = i;
            marks[length] = false;
            ends[length++] = i + width;
            i += width;
        }
    }

    public void clear() {
        length = 0;
    }

    public int length() {
        return length;
    }

    public int codePoint(int i) {
        return codePoints[i];
    }

    public int start(int i) {
        return starts[i];
    }

    public int end(int i) {
        return ends[i];
    }

    public void setCodePoint(int i, int cp) {
        codePoints[i] = cp;
    }

    /**
     * Whether the code point is a mark that the reference keeps but HF's StripAccents removes: spans of tokens
     * leave such marks out at either end, as HF's do.
     */
    public boolean isMark(int i) {
        return marks[i];
    }

    public void append(int cp, int start, int end) {
        append(cp, start, end, false);
    }

    public void append(int cp, int start, int end, boolean mark) {
        if (length == codePoints.length) {
            ensureCapacity(length + 1);
        }
        codePoints[length] = cp;
        starts[length] = start;
        marks[length] = mark;
        ends[length++] = end;
    }

    /** Makes room for {@code extra} more code points without growing during the next appends. */
    public void reserve(int extra) {
        ensureCapacity(length + extra);
    }

    /** The capacity in code points (for workspaces that shrink after a huge text). */
    public int capacity() {
        return codePoints.length;
    }

    private void ensureCapacity(int needed) {
        if (needed > codePoints.length) {
            int c = Math.max(needed, codePoints.length * 2);
            codePoints = Arrays.copyOf(codePoints, c);
            starts = Arrays.copyOf(starts, c);
            ends = Arrays.copyOf(ends, c);
            marks = Arrays.copyOf(marks, c);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.appendCodePoint(codePoints[i]);
        }
        return sb.toString();
    }
}
