package dev.flinkalbert.inference;

import java.util.Objects;
import org.apache.flink.annotation.Internal;

/**
 * One tokenized sequence, unpadded: {@code [CLS] A [SEP] (B [SEP])} ids and their token types. The attention mask
 * is implied (every position is a real token); {@link AlbertEncoder} pads.
 *
 * @param ids token ids, at least one
 * @param typeIds token type (segment) ids of the same length, or null for all zeros
 */
@Internal
public record EncodedRow(int[] ids, int[] typeIds) {

    public EncodedRow {
        Objects.requireNonNull(ids, "ids");
        if (ids.length == 0) {
            throw new IllegalArgumentException("an encoded row needs at least one token");
        }
        if (typeIds != null && typeIds.length != ids.length) {
            throw new IllegalArgumentException("typeIds has " + typeIds.length + " entries for " + ids.length
                    + " ids");
        }
    }

    /** The number of tokens. */
    public int length() {
        return ids.length;
    }
}
