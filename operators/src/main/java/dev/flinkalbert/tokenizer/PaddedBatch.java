package dev.flinkalbert.tokenizer;

import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Encodings padded to the longest in the batch, row-major {@code [rows][columns]} {@code long} arrays as ONNX
 * Runtime takes them ({@code input_ids}, {@code attention_mask}, {@code token_type_ids}), plus each row's length.
 * The arrays are returned without copying: do not modify them.
 */
@PublicEvolving
public final class PaddedBatch {

    private final int rows;
    private final int columns;
    private final long[] inputIds;
    private final long[] attentionMask;
    private final long[] tokenTypeIds;
    private final int[] lengths;

    private PaddedBatch(int rows, int columns, long[] inputIds, long[] attentionMask, long[] tokenTypeIds, int[] lengths) {
        this.rows = rows;
        this.columns = columns;
        this.inputIds = inputIds;
        this.attentionMask = attentionMask;
        this.tokenTypeIds = tokenTypeIds;
        this.lengths = lengths;
    }

    /** Pads {@code encodings} with {@code padId} (mask 0, type 0) to the longest of them. */
    public static PaddedBatch of(List<Encoding> encodings, int padId) {
        int rows = encodings.size();
        int columns = 0;
        for (Encoding e : encodings) {
            columns = Math.max(columns, e.length());
        }
        long[] ids = new long[rows * columns];
        long[] mask = new long[rows * columns];
        long[] types = new long[rows * columns];
        int[] lengths = new int[rows];
        for (int r = 0; r < rows; r++) {
            Encoding e = encodings.get(r);
            int[] eIds = e.ids();
            int[] eTypes = e.typeIds();
            int n = eIds.length;
            int at = r * columns;
            for (int i = 0; i < n; i++) {
                ids[at + i] = eIds[i];
                mask[at + i] = 1;
                types[at + i] = eTypes[i];
            }
            for (int i = n; i < columns; i++) {
                ids[at + i] = padId;
            }
            lengths[r] = n;
        }
        return new PaddedBatch(rows, columns, ids, mask, types, lengths);
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return columns;
    }

    public long[] inputIds() {
        return inputIds;
    }

    public long[] attentionMask() {
        return attentionMask;
    }

    public long[] tokenTypeIds() {
        return tokenTypeIds;
    }

    /** Real (unpadded) tokens per row. */
    public int[] lengths() {
        return lengths;
    }

    /** ONNX shape {@code {rows, columns}}. */
    public long[] shape() {
        return new long[] {rows, columns};
    }
}
