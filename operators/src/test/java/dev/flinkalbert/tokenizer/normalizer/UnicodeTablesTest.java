package dev.flinkalbert.tokenizer.normalizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UProperty;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The committed Unicode tables are exactly what ICU4J 70.1 (Unicode 14.0, as Python 3.11) gives. */
class UnicodeTablesTest {

    @Test
    void icuImplementsTheReferenceUnicodeVersion() {
        assertEquals(14, UCharacter.getUnicodeVersion().getMajor());
        assertEquals(0, UCharacter.getUnicodeVersion().getMinor());
    }

    @Test
    void committedResourceEqualsTheRegeneratedTables() throws Exception {
        byte[] committed;
        try (InputStream in = UnicodeTables.class.getResourceAsStream(UnicodeTables.RESOURCE)) {
            committed = in.readAllBytes();
        }
        assertArrayEquals(UnicodeTablesGenerator.generate(), committed,
                "unicode-tables.bin is stale: run UnicodeTablesGenerator (see its Javadoc)");
    }

    @Test
    void lookupsAgreeWithIcuForEveryCodePoint() {
        UnicodeTables t = UnicodeTables.get();
        List<String> wrong = new ArrayList<>();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT && wrong.size() < 20; cp++) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                continue;
            }
            if (!java.util.Arrays.equals(UnicodeTablesGenerator.pythonLower(cp), mapped(t.lower(), cp))) {
                wrong.add("lower U+" + Integer.toHexString(cp));
            }
            int[] expected = UnicodeTablesGenerator.decomposeLower(cp);
            int[] actual = UnicodeTables.isHangulSyllable(cp) ? hangul(cp) : mapped(t.decomposeLower(), cp);
            if (!java.util.Arrays.equals(expected, actual)) {
                wrong.add("decomposeLower U+" + Integer.toHexString(cp));
            }
            if (t.isSpace(cp) != UnicodeTablesGenerator.pythonIsSpace(cp)
                    || t.isDigit(cp) != UnicodeTablesGenerator.pythonIsDigit(cp)
                    || t.isCased(cp) != UCharacter.hasBinaryProperty(cp, UProperty.CASED)
                    || t.isCaseIgnorable(cp) != UCharacter.hasBinaryProperty(cp, UProperty.CASE_IGNORABLE)
                    || t.isHfMark(cp) != UnicodeTablesGenerator.isHfMark(cp)) {
                wrong.add("properties of U+" + Integer.toHexString(cp));
            }
        }
        assertEquals(List.of(), wrong);
        // Hand-checked facts the reference depends on (Python 3.11: '\x85'.isspace(), '\u2776'.isdigit(), …).
        assertEquals(true, t.isSpace(0x85));
        assertEquals(true, t.isSpace(0x1C));
        assertEquals(false, t.isSpace(0x200B));
        assertEquals(true, t.isDigit(0x2776));
        assertEquals(true, t.isDigit(0x1369));
        assertArrayEquals(new int[] {'i', 0x307}, mapped(t.lower(), 0x130));
    }

    private static int[] mapped(UnicodeTables.CodePointMapping m, int cp) {
        int e = m.entry(cp);
        if (e == 0) {
            return new int[] {cp};
        }
        int[] out = new int[UnicodeTables.CodePointMapping.length(e)];
        for (int k = 0; k < out.length; k++) {
            out[k] = m.codePoint(e, k);
        }
        return out;
    }

    private static int[] hangul(int cp) {
        AlignedText in = new AlignedText(4);
        in.append(cp, 0, 1);
        AlignedText out = new AlignedText(4);
        new AlbertPreprocess(UnicodeTables.get()).normalize(in, 0, 1, out);
        int[] cps = new int[out.length()];
        for (int i = 0; i < cps.length; i++) {
            cps[i] = out.codePoint(i);
        }
        return cps;
    }
}
