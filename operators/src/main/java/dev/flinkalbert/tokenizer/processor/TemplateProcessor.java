package dev.flinkalbert.tokenizer.processor;

import dev.flinkalbert.tokenizer.Encoding;
import org.apache.flink.annotation.Internal;

/**
 * ALBERT's post-processing template: {@code [CLS] A [SEP]} with token type 0, and {@code [CLS] A [SEP] B [SEP]}
 * with type 0 up to and including the first {@code [SEP]} and 1 after it. Special tokens get span (0, 0) and
 * sequence id -1.
 */
@Internal
public final class TemplateProcessor {

    private final int clsId;
    private final int sepId;

    public TemplateProcessor(int clsId, int sepId) {
        this.clsId = clsId;
        this.sepId = sepId;
    }

    /** {@code [CLS] a[from, to) [SEP]}. */
    public Encoding single(Tokens a, int from, int to, boolean truncated) {
        int n = to - from + 2;
        int[] ids = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int[] seq = new int[n];
        ids[0] = clsId;
        seq[0] = -1;
        copy(a, from, to, 0, ids, starts, ends, seq, 1);
        ids[n - 1] = sepId;
        seq[n - 1] = -1;
        return new Encoding(ids, new int[n], starts, ends, seq, truncated);
    }

    /** {@code [CLS] a[aFrom, aTo) [SEP] b[bFrom, bTo) [SEP]}. */
    public Encoding pair(Tokens a, int aFrom, int aTo, Tokens b, int bFrom, int bTo, boolean truncated) {
        int la = aTo - aFrom;
        int n = la + (bTo - bFrom) + 3;
        int[] ids = new int[n];
        int[] types = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int[] seq = new int[n];
        ids[0] = clsId;
        seq[0] = -1;
        copy(a, aFrom, aTo, 0, ids, starts, ends, seq, 1);
        ids[la + 1] = sepId;
        seq[la + 1] = -1;
        copy(b, bFrom, bTo, 1, ids, starts, ends, seq, la + 2);
        ids[n - 1] = sepId;
        seq[n - 1] = -1;
        for (int i = la + 2; i < n; i++) {
            types[i] = 1;
        }
        return new Encoding(ids, types, starts, ends, seq, truncated);
    }

    private static void copy(Tokens t, int from, int to, int sequence, int[] ids, int[] starts, int[] ends, int[] seq, int at) {
        for (int i = from; i < to; i++, at++) {
            ids[at] = t.id(i);
            starts[at] = t.start(i);
            ends[at] = t.end(i);
            seq[at] = sequence;
        }
    }
}
