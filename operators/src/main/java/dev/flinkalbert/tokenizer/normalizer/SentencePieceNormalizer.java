package dev.flinkalbert.tokenizer.normalizer;

import dev.flinkalbert.tokenizer.model.DoubleArrayTrie;
import org.apache.flink.annotation.Internal;

/**
 * SentencePiece's {@code Normalizer::Normalize} on UTF-8: at each position a user-defined symbol passes through
 * unchanged, else the longest precompiled-charsmap rule applies, else one character is copied; leading, repeated
 * and trailing spaces are dropped, a dummy-prefix {@code ▁} is added and every space becomes {@code ▁}.
 *
 * <p>Spans: a rule's output bytes carry the span of everything the rule consumed; a {@code ▁} that stands for a
 * space or the dummy prefix carries the span of the character after it that is not a mark (HF's Metaspace
 * convention, so a {@code ▁word} token's span excludes the space before it).
 */
@Internal
public final class SentencePieceNormalizer {

    private static final byte SPACE = ' ';
    private static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};
    private static final int FOLLOWING = -1;

    private final PrecompiledCharsmap charsmap;
    private final DoubleArrayTrie userDefined;
    private final boolean[] mayStartUserDefined = new boolean[256];
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    /** Per ASCII byte: the charsmap's replacement offset, -1 for none, -2 when a longer rule starts with it. */
    private final int[] asciiRule = new int[128];

    public SentencePieceNormalizer(
            PrecompiledCharsmap charsmap,
            DoubleArrayTrie userDefined,
            boolean addDummyPrefix,
            boolean removeExtraWhitespaces,
            boolean escapeWhitespaces) {
        this.charsmap = charsmap;
        this.userDefined = userDefined;
        this.addDummyPrefix = addDummyPrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.escapeWhitespaces = escapeWhitespaces;
        for (int b = 0; b < 256; b++) {
            mayStartUserDefined[b] = userDefined.child(DoubleArrayTrie.ROOT, (byte) b) >= 0;
        }
        byte[] probe = new byte[1];
        for (int b = 0; b < 128; b++) {
            probe[0] = (byte) b;
            long one = charsmap.longestMatch(probe, 0, 1);
            asciiRule[b] = charsmap.hasLongerRule((byte) b) ? -2 : one < 0 ? -1 : (int) one;
        }
    }

    /**
     * Normalises {@code input} (all of it) into {@code output} (cleared first); {@code scratch} receives the
     * input's UTF-8.
     */
    public void normalize(AlignedText input, AlignedBytes scratch, AlignedBytes output) {
        toUtf8(input, scratch);
        output.clear();
        byte[] in = scratch.bytes();
        int n = scratch.length();
        output.reserve(n + 3 + n / 2);
        byte[] repl = charsmap.replacements();
        int pos = 0;
        if (removeExtraWhitespaces) {
            while (pos < n) {
                long m = match(in, pos, n);
                int consumed = (int) (m >>> 32);
                int r = (int) m;
                boolean isSpace = r >= 0
                        ? repl[r] == SPACE && repl[r + 1] == 0
                        : consumed == 1 && in[pos] == SPACE;
                if (!isSpace) {
                    break;
                }
                pos += consumed;
            }
        }
        if (pos == n) {
            return;
        }
        if (addDummyPrefix) {
            appendSpace(output);
        }
        boolean prevSpace = removeExtraWhitespaces;
        while (pos < n) {
            long m = match(in, pos, n);
            int consumed = (int) (m >>> 32);
            int r = (int) m;
            int start = scratch.start(pos);
            int end = scratch.end(pos + consumed - 1);
            boolean mark = scratch.isMark(pos) && scratch.isMark(pos + consumed - 1);
            byte[] src;
            int from;
            int to;
            if (r >= 0) {
                src = repl;
                from = r;
                to = r;
                while (repl[to] != 0) {
                    to++;
                }
            } else {
                src = in;
                from = pos;
                to = pos + consumed;
            }
            if (prevSpace) {
                while (from < to && src[from] == SPACE) {
                    from++;
                }
            }
            if (from < to) {
                for (int k = from; k < to; k++) {
                    if (src[k] == SPACE && escapeWhitespaces) {
                        appendSpace(output);
                    } else {
                        output.append(src[k], start, end, mark);
                    }
                }
                prevSpace = src[to - 1] == SPACE;
            }
            pos += consumed;
            if (!removeExtraWhitespaces) {
                prevSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            byte[] out = output.bytes();
            int len = output.length();
            if (escapeWhitespaces) {
                while (len >= 3 && out[len - 3] == SPACE_SYMBOL[0] && out[len - 2] == SPACE_SYMBOL[1]
                        && out[len - 1] == SPACE_SYMBOL[2]) {
                    len -= 3;
                }
            } else {
                while (len >= 1 && out[len - 1] == SPACE) {
                    len--;
                }
            }
            output.truncate(len);
        }
        // A space symbol stands for the start of the word after it: its first character that is not a mark, else
        // its first character.
        int wordStart = FOLLOWING;
        int wordEnd = FOLLOWING;
        int letterStart = FOLLOWING;
        int letterEnd = FOLLOWING;
        boolean inSpace = false;
        for (int i = output.length() - 1; i >= 0; i--) {
            if (output.start(i) == FOLLOWING) {
                if (letterStart != FOLLOWING) {
                    output.setSpan(i, letterStart, letterEnd);
                } else {
                    output.setSpan(i, wordStart, wordEnd);
                }
                inSpace = true;
                continue;
            }
            if (inSpace) {
                letterStart = FOLLOWING;
                inSpace = false;
            }
            wordStart = output.start(i);
            wordEnd = output.end(i);
            if (!output.isMark(i)) {
                letterStart = wordStart;
                letterEnd = wordEnd;
            }
        }
    }

    private void appendSpace(AlignedBytes output) {
        if (escapeWhitespaces) {
            for (byte b : SPACE_SYMBOL) {
                output.append(b, FOLLOWING, FOLLOWING, false);
            }
        } else {
            output.append(SPACE, FOLLOWING, FOLLOWING, false);
        }
    }

    /**
     * What applies at {@code pos}: {@code consumed << 32 | replacementOffset}, where the offset is -1 for "copy the
     * consumed bytes" (a user-defined symbol or a character without a rule).
     */
    private long match(byte[] in, int pos, int n) {
        int b = in[pos] & 0xFF;
        if (mayStartUserDefined[b]) {
            int len = userDefined.longestPrefix(in, pos, n);
            if (len > 0) {
                return (long) len << 32 | 0xFFFFFFFFL;
            }
        }
        if (b < 0x80 && asciiRule[b] != -2) {
            return 1L << 32 | (asciiRule[b] & 0xFFFFFFFFL);
        }
        long m = charsmap.longestMatch(in, pos, n);
        if (m >= 0) {
            return m;
        }
        return (long) utf8Length(b, pos, n) << 32 | 0xFFFFFFFFL;
    }

    private static int utf8Length(int lead, int pos, int n) {
        int len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        return Math.min(len, n - pos);
    }

    private static void toUtf8(AlignedText text, AlignedBytes out) {
        out.clear();
        int n = text.length();
        out.reserve(n * 4);
        for (int i = 0; i < n; i++) {
            int cp = text.codePoint(i);
            int s = text.start(i);
            int e = text.end(i);
            boolean m = text.isMark(i);
            if (cp < 0x80) {
                out.append((byte) cp, s, e, m);
            } else if (cp < 0x800) {
                out.append((byte) (0xC0 | cp >>> 6), s, e, m);
                out.append((byte) (0x80 | cp & 0x3F), s, e, m);
            } else if (cp < 0x10000) {
                out.append((byte) (0xE0 | cp >>> 12), s, e, m);
                out.append((byte) (0x80 | cp >>> 6 & 0x3F), s, e, m);
                out.append((byte) (0x80 | cp & 0x3F), s, e, m);
            } else {
                out.append((byte) (0xF0 | cp >>> 18), s, e, m);
                out.append((byte) (0x80 | cp >>> 12 & 0x3F), s, e, m);
                out.append((byte) (0x80 | cp >>> 6 & 0x3F), s, e, m);
                out.append((byte) (0x80 | cp & 0x3F), s, e, m);
            }
        }
    }
}
