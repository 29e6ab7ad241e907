package dev.flinkalbert.tokenizer.normalizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.flink.annotation.Internal;

/**
 * SentencePiece's precompiled normalisation rules ({@code NormalizerSpec.precompiled_charsmap}): a darts-clone
 * double array over UTF-8 keys ({@code u32le trieBytes}, then {@code trieBytes/4} u32le units) followed by the
 * NUL-terminated replacement strings the leaves point into.
 */
@Internal
public final class PrecompiledCharsmap {

    private final int[] units;
    private final byte[] replacements;

    private PrecompiledCharsmap(int[] units, byte[] replacements) {
        this.units = units;
        this.replacements = replacements;
    }

    /** Parses the blob; an empty blob means no rules. */
    public static PrecompiledCharsmap parse(byte[] blob) {
        if (blob.length == 0) {
            return new PrecompiledCharsmap(new int[0], new byte[0]);
        }
        ByteBuffer buf = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        if (blob.length < 4) {
            throw new IllegalArgumentException("precompiled charsmap shorter than its header");
        }
        int trieBytes = buf.getInt();
        if (trieBytes < 0 || trieBytes % 4 != 0 || 4L + trieBytes > blob.length) {
            throw new IllegalArgumentException("precompiled charsmap trie size " + trieBytes + " does not fit the blob");
        }
        int[] units = new int[trieBytes / 4];
        for (int i = 0; i < units.length; i++) {
            units[i] = buf.getInt();
        }
        byte[] replacements = new byte[blob.length - 4 - trieBytes];
        buf.get(replacements);
        return new PrecompiledCharsmap(units, replacements);
    }

    /**
     * The longest rule matching a prefix of {@code text[from, to)}: returns {@code length << 32 | replacementOffset}
     * (the replacement runs from that offset of {@link #replacements()} to the next NUL), or -1 when none matches.
     */
    public long longestMatch(byte[] text, int from, int to) {
        if (units.length == 0) {
            return -1;
        }
        int[] u = units;
        int id = offset(u[0]);
        long best = -1;
        for (int i = from; i < to; i++) {
            int c = text[i] & 0xFF;
            id ^= c;
            if (id >= u.length) {
                break;
            }
            int unit = u[id];
            if ((unit & 0x800000FF) != c) {
                break;
            }
            id ^= offset(unit);
            if (((unit >>> 8) & 1) != 0) {
                best = (long) (i + 1 - from) << 32 | (u[id] & 0x7FFFFFFF);
            }
        }
        return best;
    }

    /** Whether some rule longer than one byte starts with the byte {@code b}. */
    boolean hasLongerRule(byte b) {
        if (units.length == 0) {
            return false;
        }
        int c = b & 0xFF;
        int id = offset(units[0]) ^ c;
        if (id >= units.length || (units[id] & 0x800000FF) != c) {
            return false;
        }
        id ^= offset(units[id]);
        for (int next = 1; next < 256; next++) {
            int child = id ^ next;
            if (child < units.length && (units[child] & 0x800000FF) == next) {
                return true;
            }
        }
        return false;
    }

    /** The NUL-terminated replacement strings. Do not modify. */
    byte[] replacements() {
        return replacements;
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }
}
