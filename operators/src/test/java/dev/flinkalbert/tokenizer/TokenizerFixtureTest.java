package dev.flinkalbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.testing.Fixtures;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The 2,000 dev vectors made by transformers' slow AlbertTokenizer on sentencepiece 0.2.2: all must match. */
class TokenizerFixtureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static AlbertTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = AlbertTokenizer.fromSpieceModel(Fixtures.require("albert-base-v2/spiece.model"));
    }

    @Test
    void everyDevVectorMatchesTheSlowTokenizer() throws Exception {
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
