package dev.flinkalbert.tokenizer;

import org.apache.flink.annotation.PublicEvolving;

/**
 * One model input: {@code [CLS] A [SEP]} or {@code [CLS] A [SEP] B [SEP]}, as primitive arrays of equal length.
 * Offsets are UTF-16 indices into the original text of the token's own sequence ({@code [start, end)};
 * {@code (0, 0)} for {@code [CLS]} and {@code [SEP]}). The arrays are returned without copying: do not modify them.
 */
@PublicEvolving
public final class Encoding {

    private final int[] ids;
    private final int[] typeIds;
    private final int[] starts;
    private final int[] ends;
    private final int[] sequenceIds;
    private final boolean truncated;

    /** Takes the arrays as they are (all of one length). */
    public Encoding(int[] ids, int[] typeIds, int[] starts, int[] ends, int[] sequenceIds, boolean truncated) {
        int n = ids.length;
        if (typeIds.length != n || starts.length != n || ends.length != n || sequenceIds.length != n) {
            throw new IllegalArgumentException("encoding arrays differ in length");
        }
        this.ids = ids;
        this.typeIds = typeIds;
        this.starts = starts;
        this.ends = ends;
        this.sequenceIds = sequenceIds;
        this.truncated = truncated;
    }

    public int length() {
        return ids.length;
    }

    public int[] ids() {
        return ids;
    }

    /** Token types: 0 up to and including the first {@code [SEP]}, 1 after it. */
    public int[] typeIds() {
        return typeIds;
    }

    public int[] starts() {
        return starts;
    }

    public int[] ends() {
        return ends;
    }

    /** -1 for {@code [CLS]}/{@code [SEP]}, 0 for the first text (question), 1 for the second (context), as HF. */
    public int[] sequenceIds() {
        return sequenceIds;
    }

    /** Whether tokens were cut to fit the maximum length (for QA windows: whether the context was split). */
    public boolean truncated() {
        return truncated;
    }

    @Override
    public String toString() {
        return "Encoding" + java.util.Arrays.toString(ids);
    }
}
