package dev.flinkalbert.tokenizer.normalizer;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.flink.annotation.Internal;

/**
 * The Unicode 14 character data the ALBERT reference (Python 3.11's {@code str} and {@code unicodedata}) uses,
 * read from a committed resource that a test-scope generator derives from ICU4J 70.1 (the JDK's own tables are
 * Unicode 13 and its notions of whitespace and digits differ from Python's).
 *
 * <p>Resource layout ({@code DataOutputStream}, big-endian): magic, format version, the Unicode version string,
 * two code-point mappings (Python {@code str.lower()} of one code point; NFKD without combining marks and then
 * lower-cased, capital sigma left for the context rule, Hangul syllables left to the algorithm) as
 * {@code count, (cp, len, cp*len)*}, then four code-point sets as {@code count, (first, last)*}: Python
 * {@code isspace}, Python {@code isdigit}, {@code Cased}, {@code Case_Ignorable}.
 */
@Internal
public final class UnicodeTables {

    /** Where the generator writes the tables and where the runtime reads them (class-path resource). */
    public static final String RESOURCE = "/dev/flinkalbert/tokenizer/unicode-tables.bin";
    public static final int MAGIC = 0x414C5554; // "ALUT"
    public static final int FORMAT_VERSION = 1;
    public static final String UNICODE_VERSION = "14.0";

    static final int HANGUL_FIRST = 0xAC00;
    static final int HANGUL_LAST = 0xD7A3;
    static final int CAPITAL_SIGMA = 0x03A3;


    private final CodePointMapping lower;
    private final CodePointMapping decomposeLower;
    private final CodePointSet space;
    private final CodePointSet digit;
    private final CodePointSet cased;
    private final CodePointSet caseIgnorable;
    private final CodePointSet mark;

    private UnicodeTables(
            CodePointMapping lower,
            CodePointMapping decomposeLower,
            CodePointSet space,
            CodePointSet digit,
            CodePointSet cased,
            CodePointSet caseIgnorable,
            CodePointSet mark) {
        this.lower = lower;
        this.decomposeLower = decomposeLower;
        this.space = space;
        this.digit = digit;
        this.cased = cased;
        this.caseIgnorable = caseIgnorable;
        this.mark = mark;
    }

    /** The tables, read once on first use. */
    public static UnicodeTables get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final UnicodeTables INSTANCE = load();
    }

    /** Python {@code str.lower()} of a single code point (full mapping, no context). */
    public CodePointMapping lower() {
        return lower;
    }

    /**
     * NFKD, minus every code point of non-zero canonical combining class, lower-cased; U+03A3 is kept so that the
     * caller applies Python's final-sigma context; Hangul syllables map to themselves here (see
     * {@link #decomposeHangul}).
     */
    public CodePointMapping decomposeLower() {
        return decomposeLower;
    }

    /** Python's {@code str.isspace()}: bidi class WS, B or S, or category Zs. */
    public boolean isSpace(int cp) {
        return space.contains(cp);
    }

    /** Python's {@code str.isdigit()}: Numeric_Type Decimal or Digit. */
    public boolean isDigit(int cp) {
        return digit.contains(cp);
    }

    public boolean isCased(int cp) {
        return cased.contains(cp);
    }

    public boolean isCaseIgnorable(int cp) {
        return caseIgnorable.contains(cp);
    }

    /**
     * A mark that HF tokenizers' StripAccents removes (general category M as of Unicode 9.0, its tables' version),
     * where the reference keeps every mark of combining class 0: token spans leave these out, as HF's do.
     */
    public boolean isHfMark(int cp) {
        return mark.contains(cp);
    }

    public static boolean isHangulSyllable(int cp) {
        return cp >= HANGUL_FIRST && cp <= HANGUL_LAST;
    }

    private static UnicodeTables load() {
        try (InputStream in = UnicodeTables.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing class-path resource " + RESOURCE
                        + " (generate it with dev.flinkalbert.tokenizer.normalizer.UnicodeTablesGenerator)");
            }
            DataInputStream data = new DataInputStream(in);
            if (data.readInt() != MAGIC || data.readInt() != FORMAT_VERSION) {
                throw new IllegalStateException(RESOURCE + " has an unknown format; regenerate it");
            }
            String version = data.readUTF();
            if (!UNICODE_VERSION.equals(version)) {
                throw new IllegalStateException(RESOURCE + " holds Unicode " + version + ", expected " + UNICODE_VERSION);
            }
            CodePointMapping lower = CodePointMapping.read(data);
            CodePointMapping decomposeLower = CodePointMapping.read(data);
            return new UnicodeTables(lower, decomposeLower, CodePointSet.read(data), CodePointSet.read(data),
                    CodePointSet.read(data), CodePointSet.read(data), CodePointSet.read(data));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /**
     * A map from code point to a short code-point string, as a two-level table over blocks of 256 code points.
     * {@link #entry} is 0 for "maps to itself", else {@code poolOffset << 6 | length << 1 | 1}.
     */
    public static final class CodePointMapping {
        private static final int SHIFT = 8;
        private static final int BLOCK = 1 << SHIFT;

        private final int[] blockStart;
        private final int[] entries;
        private final int[] pool;

        private CodePointMapping(int[] blockStart, int[] entries, int[] pool) {
            this.blockStart = blockStart;
            this.entries = entries;
            this.pool = pool;
        }

        static CodePointMapping read(DataInputStream data) throws IOException {
            int count = data.readInt();
            int[] cps = new int[count];
            int[] packed = new int[count];
            int[] pool = new int[16];
            int poolSize = 0;
            for (int i = 0; i < count; i++) {
                cps[i] = data.readInt();
                int len = data.readUnsignedByte();
                if (poolSize + len > pool.length) {
                    pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolSize + len));
                }
                for (int k = 0; k < len; k++) {
                    pool[poolSize + k] = data.readInt();
                }
                packed[i] = poolSize << 6 | len << 1 | 1;
                poolSize += len;
            }
            int blocks = (Character.MAX_CODE_POINT + 1) >>> SHIFT;
            int[] blockStart = new int[blocks];
            // Block 0 of the entry array is the shared all-identity block; only blocks with mappings get their own.
            int used = 1;
            for (int i = 0; i < count; i++) {
                int b = cps[i] >>> SHIFT;
                if (blockStart[b] == 0) {
                    blockStart[b] = used++;
                }
            }
            int[] entries = new int[used * BLOCK];
            for (int i = 0; i < count; i++) {
                entries[blockStart[cps[i] >>> SHIFT] * BLOCK + (cps[i] & (BLOCK - 1))] = packed[i];
            }
            return new CodePointMapping(blockStart, entries, Arrays.copyOf(pool, poolSize));
        }

        /** 0 when {@code cp} maps to itself, else a value for {@link #length} and {@link #copy}. */
        public int entry(int cp) {
            return entries[blockStart[cp >>> SHIFT] * BLOCK + (cp & (BLOCK - 1))];
        }

        public static int length(int entry) {
            return (entry >>> 1) & 31;
        }

        public int codePoint(int entry, int k) {
            return pool[(entry >>> 6) + k];
        }
    }

    /** A set of code points as sorted inclusive ranges, with a bit map for ASCII. */
    static final class CodePointSet {
        private final int[] first;
        private final int[] last;
        private final long asciiLow;
        private final long asciiHigh;

        private CodePointSet(int[] first, int[] last) {
            this.first = first;
            this.last = last;
            long lo = 0;
            long hi = 0;
            for (int c = 0; c < 128; c++) {
                if (search(c)) {
                    if (c < 64) {
                        lo |= 1L << c;
                    } else {
                        hi |= 1L << (c - 64);
                    }
                }
            }
            this.asciiLow = lo;
            this.asciiHigh = hi;
        }

        static CodePointSet read(DataInputStream data) throws IOException {
            int count = data.readInt();
            int[] first = new int[count];
            int[] last = new int[count];
            for (int i = 0; i < count; i++) {
                first[i] = data.readInt();
                last[i] = data.readInt();
            }
            return new CodePointSet(first, last);
        }

        boolean contains(int cp) {
            if (cp < 64) {
                return (asciiLow >>> cp & 1) != 0;
            }
            if (cp < 128) {
                return (asciiHigh >>> (cp - 64) & 1) != 0;
            }
            return search(cp);
        }

        private boolean search(int cp) {
            int i = Arrays.binarySearch(first, cp);
            if (i >= 0) {
                return true;
            }
            int k = -i - 2;
            return k >= 0 && cp <= last[k];
        }
    }
}
