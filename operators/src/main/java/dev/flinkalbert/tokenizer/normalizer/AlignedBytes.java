package dev.flinkalbert.tokenizer.normalizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.annotation.Internal;

/**
 * SentencePiece-normalised text as UTF-8 bytes (what the unigram model segments), each byte with the span
 * {@code [start, end)} of UTF-16 indices of the original text it came from. Mutable and reused per thread.
 */
@Internal
public final class AlignedBytes {

    private byte[] bytes;
    private int[] starts;
    private int[] ends;
    private boolean[] marks;
    private int length;

    public AlignedBytes(int capacity) {
        int c = Math.max(16, capacity);
        bytes = new byte[c];
        starts = new int[c];
        ends = new int[c];
        marks = new boolean[c];
    }

    public void clear() {
        length = 0;
    }

    public int length() {
        return length;
    }

    /** The backing array; valid up to {@link #length()}. */
    public byte[] bytes() {
        return bytes;
    }

    public int start(int i) {
        return starts[i];
    }

    public int end(int i) {
        return ends[i];
    }

    /** Whether the byte belongs to a mark HF's StripAccents would remove (see {@link AlignedText#isMark}). */
    public boolean isMark(int i) {
        return marks[i];
    }

    /** The original-text start of the bytes {@code [from, to)}: that of the first byte not of a mark. */
    public int spanStart(int from, int to) {
        for (int i = from; i < to; i++) {
            if (!marks[i]) {
                return starts[i];
            }
        }
        return starts[from];
    }

    /** The original-text end of the bytes {@code [from, to)}: that of the last byte not of a mark. */
    public int spanEnd(int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (!marks[i]) {
                return ends[i];
            }
        }
        return ends[to - 1];
    }

    public int capacity() {
        return bytes.length;
    }

    void append(byte b, int start, int end, boolean mark) {
        if (length == bytes.length) {
            reserve(1);
        }
        bytes[length] = b;
        starts[length] = start;
        marks[length] = mark;
        ends[length++] = end;
    }

    void setSpan(int i, int start, int end) {
        starts[i] = start;
        ends[i] = end;
    }

    void truncate(int newLength) {
        length = newLength;
    }

    void reserve(int extra) {
        int needed = length + extra;
        if (needed > bytes.length) {
            int c = Math.max(needed, bytes.length * 2);
            bytes = Arrays.copyOf(bytes, c);
            starts = Arrays.copyOf(starts, c);
            ends = Arrays.copyOf(ends, c);
            marks = Arrays.copyOf(marks, c);
        }
    }

    /** The bytes {@code [from, to)} as a string (diagnostics and piece strings of unknown pieces). */
    public String toString(int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return toString(0, length);
    }
}
