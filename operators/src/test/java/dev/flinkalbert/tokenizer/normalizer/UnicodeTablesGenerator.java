package dev.flinkalbert.tokenizer.normalizer;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterDirection;
import com.ibm.icu.lang.UProperty;
import com.ibm.icu.text.Normalizer2;
import com.ibm.icu.util.ULocale;
import com.ibm.icu.util.VersionInfo;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Writes {@code unicode-tables.bin} (see {@link UnicodeTables} for the layout) from ICU4J 70.1, which implements
 * Unicode 14.0 like the reference's Python 3.11. Run it after changing the table definitions:
 *
 * <pre>{@code
 * ./mvnw -B -o -q test-compile -pl operators && java -cp "operators/target/test-classes:operators/target/classes:$(
 *     ls ~/.m2/repository/com/ibm/icu/icu4j/70.1/icu4j-70.1.jar)" \
 *     dev.flinkalbert.tokenizer.normalizer.UnicodeTablesGenerator
 * }</pre>
 *
 * {@code UnicodeTablesTest} fails when the committed resource differs from what this writes.
 */
public final class UnicodeTablesGenerator {

    static final Path DEFAULT_OUTPUT = Paths.get("operators/src/main/resources" + UnicodeTables.RESOURCE);

    private UnicodeTablesGenerator() {}

    public static void main(String[] args) throws IOException {
        Path out = args.length > 0 ? Paths.get(args[0]) : DEFAULT_OUTPUT;
        byte[] tables = generate();
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, tables);
        System.out.println("wrote " + tables.length + " bytes (Unicode " + UCharacter.getUnicodeVersion() + ") to " + out);
    }

    /** The resource bytes, derived from ICU4J; refuses any ICU whose Unicode version is not the reference's. */
    public static byte[] generate() {
        VersionInfo v = UCharacter.getUnicodeVersion();
        String version = v.getMajor() + "." + v.getMinor();
        if (!UnicodeTables.UNICODE_VERSION.equals(version)) {
            throw new IllegalStateException("ICU4J implements Unicode " + v + ", the reference uses "
                    + UnicodeTables.UNICODE_VERSION + ": use com.ibm.icu:icu4j:70.1");
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(UnicodeTables.MAGIC);
            out.writeInt(UnicodeTables.FORMAT_VERSION);
            out.writeUTF(version);
            writeMapping(out, UnicodeTablesGenerator::pythonLower);
            writeMapping(out, cp -> UnicodeTables.isHangulSyllable(cp) ? new int[] {cp} : decomposeLower(cp));
            writeSet(out, UnicodeTablesGenerator::pythonIsSpace);
            writeSet(out, UnicodeTablesGenerator::pythonIsDigit);
            writeSet(out, cp -> UCharacter.hasBinaryProperty(cp, UProperty.CASED));
            writeSet(out, cp -> UCharacter.hasBinaryProperty(cp, UProperty.CASE_IGNORABLE));
            writeSet(out, UnicodeTablesGenerator::isHfMark);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Python {@code chr(cp).lower()}: the full lower-case mapping without context (so U+03A3 gives U+03C3). */
    static int[] pythonLower(int cp) {
        if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
            return new int[] {cp};
        }
        return UCharacter.toLowerCase(ULocale.ROOT, new String(Character.toChars(cp))).codePoints().toArray();
    }

    /** NFKD, drop canonical combining class != 0, then lower-case each code point except U+03A3. */
    static int[] decomposeLower(int cp) {
        if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
            return new int[] {cp};
        }
        String nfkd = Normalizer2.getNFKDInstance().normalize(new String(Character.toChars(cp)));
        List<Integer> out = new ArrayList<>();
        nfkd.codePoints().filter(c -> UCharacter.getCombiningClass(c) == 0).forEach(c -> {
            if (c == UnicodeTables.CAPITAL_SIGMA) {
                out.add(c);
            } else {
                for (int l : pythonLower(c)) {
                    out.add(l);
                }
            }
        });
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    static boolean pythonIsSpace(int cp) {
        int dir = UCharacter.getDirection(cp);
        return dir == UCharacterDirection.WHITE_SPACE_NEUTRAL
                || dir == UCharacterDirection.BLOCK_SEPARATOR
                || dir == UCharacterDirection.SEGMENT_SEPARATOR
                || UCharacter.getType(cp) == UCharacter.SPACE_SEPARATOR;
    }

    /**
     * What HF tokenizers' StripAccents removes: general category Mn, Mc or Me in the Unicode 9.0 tables of its
     * unicode-normalization crate, taken as marks of Unicode 14 that Unicode 9.0 already had (checked with the Rust
     * tokenizer on every mark of class 0: all of age 9.0 or older are removed, all newer kept, except U+111C9, a
     * punctuation mark until Unicode 11).
     */
    static boolean isHfMark(int cp) {
        int type = UCharacter.getType(cp);
        boolean mark = type == UCharacter.NON_SPACING_MARK || type == UCharacter.ENCLOSING_MARK
                || type == UCharacter.COMBINING_SPACING_MARK;
        return mark && UCharacter.getAge(cp).compareTo(HF_UNICODE_VERSION) <= 0;
    }

    static final VersionInfo HF_UNICODE_VERSION = VersionInfo.getInstance(9, 0);

    static boolean pythonIsDigit(int cp) {
        int type = UCharacter.getIntPropertyValue(cp, UProperty.NUMERIC_TYPE);
        return type == UCharacter.NumericType.DIGIT || type == UCharacter.NumericType.DECIMAL;
    }

    private interface Mapping {
        int[] apply(int cp);
    }

    private static void writeMapping(DataOutputStream out, Mapping mapping) throws IOException {
        List<int[]> entries = new ArrayList<>();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            int[] m = mapping.apply(cp);
            if (m.length != 1 || m[0] != cp) {
                if (m.length > 31) {
                    throw new IllegalStateException("mapping of U+" + Integer.toHexString(cp) + " is too long");
                }
                int[] e = new int[m.length + 1];
                e[0] = cp;
                System.arraycopy(m, 0, e, 1, m.length);
                entries.add(e);
            }
        }
        out.writeInt(entries.size());
        for (int[] e : entries) {
            out.writeInt(e[0]);
            out.writeByte(e.length - 1);
            for (int k = 1; k < e.length; k++) {
                out.writeInt(e[k]);
            }
        }
    }

    private static void writeSet(DataOutputStream out, IntPredicate member) throws IOException {
        List<int[]> ranges = new ArrayList<>();
        int start = -1;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT + 1; cp++) {
            boolean in = cp <= Character.MAX_CODE_POINT && member.test(cp);
            if (in && start < 0) {
                start = cp;
            } else if (!in && start >= 0) {
                ranges.add(new int[] {start, cp - 1});
                start = -1;
            }
        }
        out.writeInt(ranges.size());
        for (int[] r : ranges) {
            out.writeInt(r[0]);
            out.writeInt(r[1]);
        }
    }
}
