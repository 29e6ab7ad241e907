package dev.flinkalbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.testing.Fixtures;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 2,000 dev vectors made by transformers' slow AlbertTokenizer on sentencepiece 0.2.2: all must match, from
 * {@code spiece.model} and from a model directory that only has an HF {@code tokenizer.json}.
 */
class TokenizerFixtureTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyDevVectorMatchesTheSlowTokenizer() throws Exception {
        check(AlbertTokenizer.fromSpieceModel(Fixtures.require("albert-base-v2/spiece.model")));
    }

    @Test
    void aModelDirectoryWithOnlyTokenizerJsonGivesTheSameIds(@TempDir Path dir) throws Exception {
        Files.copy(Fixtures.require("albert-base-v2/tokenizer.paraphrase-albert-small-v2.json"), dir.resolve("tokenizer.json"));
        check(AlbertTokenizer.fromModelDirectory(dir));
    }

    @Test
    void aDirectoryWithoutModelNamesWhatIsMissing(@TempDir Path dir) {
        Exception e = assertThrows(java.io.IOException.class, () -> AlbertTokenizer.fromModelDirectory(dir));
        assertTrue(e.getMessage().contains("spiece.model"), e.getMessage());
    }

    private static void check(AlbertTokenizer tokenizer) throws Exception {
        List<String> failures = new ArrayList<>();
        int total = 0;
        try (BufferedReader r = Files.newBufferedReader(
                Fixtures.require("albert-base-v2/tokenizer-dev.jsonl"), StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; total++) {
                JsonNode rec = JSON.readTree(line);
                String text = rec.get("text").asText();
                int[] expectedIds = new int[rec.get("ids").size()];
                for (int i = 0; i < expectedIds.length; i++) {
                    expectedIds[i] = rec.get("ids").get(i).asInt();
                }
                List<String> expectedPieces = new ArrayList<>();
                rec.get("pieces").forEach(p -> expectedPieces.add(p.asText()));
                int[] ids = tokenizer.pieceIds(text);
                List<String> pieces = tokenizer.pieces(text);
                if (!Arrays.equals(expectedIds, ids) || !expectedPieces.equals(pieces)) {
                    failures.add("line " + total + " " + JSON.writeValueAsString(text) + "\n  expected " + expectedPieces
                            + " " + Arrays.toString(expectedIds) + "\n  actual   " + pieces + " " + Arrays.toString(ids));
                }
            }
        }
        assertEquals(2000, total, "dev vectors");
        assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())),
                failures.size() + " of " + total + " differ");
    }
}
