package dev.flinkalbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.flinkalbert.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Exact score ties between permutations of the same pieces (digit and letter runs), where only SentencePiece's
 * float32 arithmetic decides. Expected ids: the slow ALBERT rules on the sentencepiece 0.2.2 wheel (Python 3.11),
 * the fixtures' reference; path scores kept in double, or user-defined pieces scored with sentencepiece's old
 * bonus, would give these rows a different order.
 */
class TokenizerTieBreakingTest {

    private static AlbertTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = AlbertTokenizer.fromSpieceModel(Fixtures.require("albert-base-v2/spiece.model"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a666666666666666666666file abababababab|21 3526 3526 3526 379 3526 3526 3526 3526 3526 3526 3526 16877 21 22149 22149 17537",
        "id77777777777777777777777777777777a xyzxyzxyzxyzxyzxyz|4924 25081 25081 25081 25081 25081 4536 25081 25081 25081 25081 25081 58 13 15161 380 15161 380 15161 380 15161 380 15161 380 15161 380",
        "0000000|13 3993 21903",
        // after a user-defined piece ')', which scores 0 like any piece, not length * FLT_MIN - 0.1
        " rts)aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|13 5256 18 6 22160 22160 58 22160 22160 22160 22160 22160 22160 22160 22160 22160 22160 22160 22160 22160 22160",
    })
    void tiesBreakAsSentencePiece(String text, String ids) {
        int[] expected = java.util.Arrays.stream(ids.split(" ")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(expected, tokenizer.pieceIds(text), text);
    }
}
