package dev.flinkalbert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.testing.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code ./albert tokenize} on fixture texts: ids as the slow tokenizer's, bad lines answered with errors. */
class TokenizeCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> run(String stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, AlbertCli.commandLine().execute(args));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(readTree(line));
            }
        }
        return lines;
    }

    private static JsonNode readTree(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    @Test
    void linesOfTextBecomeIdsAndErrorsDoNotStopTheStream() throws Exception {
        Path spiece = Fixtures.require("albert-base-v2/spiece.model");
        List<String> dev = Files.readAllLines(Fixtures.require("albert-base-v2/tokenizer-dev.jsonl")).subList(0, 50);
        StringBuilder stdin = new StringBuilder();
        for (int i = 0; i < dev.size(); i++) {
            stdin.append(dev.get(i)).append('\n');
            if (i == 10) {
                stdin.append("this is not json\n").append("{\"no_text\": 1}\n");
            }
        }
        List<JsonNode> out = run(stdin.toString(), "tokenize", "--spiece", spiece.toString());
        assertEquals(dev.size() + 2, out.size());
        int k = 0;
        for (int i = 0; i < out.size(); i++) {
            if (i == 11 || i == 12) {
                assertTrue(out.get(i).has("error"), out.get(i).toString());
                continue;
            }
            JsonNode expected = JSON.readTree(dev.get(k++));
            JsonNode got = out.get(i);
            assertEquals(expected.get("ids"), got.get("ids"), expected.get("text").asText());
            assertEquals(got.get("ids").size() + 2, got.get("input_ids").size());
            assertEquals(got.get("input_ids").size(), got.get("offsets").size());
        }
    }

    @Test
    void pairsAreTruncatedAndQuestionContextsSplit() {
        Path dir = Fixtures.require("hf-albert-tiny/qa");
        String stdin = "{\"text\": \"Who wrote it?\", \"text_pair\": \"the cat dog house car tree book water city music\"}\n";
        JsonNode pair = run(stdin, "tokenize", "--model-dir", dir.toString(), "--max-length", "10",
                "--truncation", "only_second").get(0);
        // [CLS] who wrote it ? [SEP] + 3 context tokens + [SEP]
        assertEquals(10, pair.get("input_ids").size());
        assertEquals(1, pair.get("token_type_ids").get(9).asInt());
        assertTrue(pair.get("truncated").asBoolean());
        JsonNode windows = run(stdin, "tokenize", "--model-dir", dir.toString(), "--max-length", "10", "--stride", "1").get(0);
        // windows of 10 - 3 - 4 = 3 tokens, step 2, over 10 context tokens: [0,3) [2,5) [4,7) [6,9) [8,10)
        assertEquals(4, windows.get("overflowing").size());
        assertEquals(9, windows.get("overflowing").get(3).get("input_ids").size());
    }
}
