package dev.flinkalbert.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encoder against the Hugging Face (PyTorch) outputs recorded in {@code hf-albert-tiny/*}/expected.jsonl:
 * each row alone, and all rows padded together in sorted, budget-cut sub-batches.
 */
class AlbertEncoderParityTest {

    private static final float TOLERANCE = 1e-4f;
    /** Small limits so that the 40–55 fixture rows of 3–128 tokens need several sub-batches of mixed lengths. */
    private static final int MAX_BATCH = 7;
    private static final int TOKEN_BUDGET = 600;

    private record BaseOutputs(float[] pooler, float[] first, float[] last, float[] mean) {}

    @Test
    void baseModelMatchesTransformersAloneAndPadded() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/base");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
                AlbertEncoder encoder = model.encoder(MAX_BATCH, TOKEN_BUDGET)) {
            assertEquals(ModelTask.EMBEDDINGS, model.task());
            AlbertEncoder.RowReader<BaseOutputs> reader = (out, row) -> new BaseOutputs(
                    out.vector("pooler_output", row),
                    out.tokenVector("last_hidden_state", row, 0),
                    out.tokenVector("last_hidden_state", row, out.length(row) - 1),
                    out.tokenMean("last_hidden_state", row));
            List<BaseOutputs> batched = encoder.encode(rows(expected), reader);
            for (int i = 0; i < expected.size(); i++) {
                JsonNode record = expected.get(i);
                BaseOutputs alone = encoder.encode(List.of(Expected.row(record)), reader).get(0);
                for (BaseOutputs actual : List.of(alone, batched.get(i))) {
                    String id = record.get("id").asText();
                    assertArrayEquals(Fixtures.floats(record.get("pooler_output")), actual.pooler(), TOLERANCE, id);
                    assertArrayEquals(Fixtures.floats(record.get("last_hidden_state_first")), actual.first(),
                            TOLERANCE, id);
                    assertArrayEquals(Fixtures.floats(record.get("last_hidden_state_last")), actual.last(),
                            TOLERANCE, id);
                    assertArrayEquals(Fixtures.floats(record.get("last_hidden_state_mean")), actual.mean(),
                            TOLERANCE, id);
                }
            }
        }
    }

    @Test
    void classificationModelMatchesTransformersAloneAndPadded() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
                AlbertEncoder encoder = model.encoder(MAX_BATCH, TOKEN_BUDGET)) {
            assertEquals(ModelTask.CLASSIFICATION, model.task());
            assertEquals(List.of("negative", "neutral", "positive"), model.labels());
            AlbertEncoder.RowReader<float[]> reader = (out, row) -> out.vector("logits", row);
            List<float[]> batched = encoder.encode(rows(expected), reader);
            for (int i = 0; i < expected.size(); i++) {
                JsonNode record = expected.get(i);
                float[] logits = Fixtures.floats(record.get("logits"));
                assertArrayEquals(logits, encoder.encode(List.of(Expected.row(record)), reader).get(0), TOLERANCE);
                assertArrayEquals(logits, batched.get(i), TOLERANCE, record.get("id").asText());
            }
        }
    }

    @Test
    void questionAnsweringModelMatchesTransformersAloneAndPadded() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/qa");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
                AlbertEncoder encoder = model.encoder(MAX_BATCH, TOKEN_BUDGET)) {
            assertEquals(ModelTask.QUESTION_ANSWERING, model.task());
            AlbertEncoder.RowReader<float[][]> reader = (out, row) -> new float[][] {
                out.tokenScalars("start_logits", row), out.tokenScalars("end_logits", row)};
            List<float[][]> batched = encoder.encode(rows(expected), reader);
            for (int i = 0; i < expected.size(); i++) {
                JsonNode record = expected.get(i);
                float[][] alone = encoder.encode(List.of(Expected.row(record)), reader).get(0);
                for (float[][] actual : List.of(alone, batched.get(i))) {
                    assertArrayEquals(Fixtures.floats(record.get("start_logits")), actual[0], TOLERANCE);
                    assertArrayEquals(Fixtures.floats(record.get("end_logits")), actual[1], TOLERANCE);
                }
            }
        }
    }

    /**
     * A graph without {@code token_type_ids} (as some exports have) whose outputs echo its inputs: start_logits =
     * input_ids, end_logits = attention_mask. The encoder feeds only the declared inputs, and every row comes back
     * in input order with its own ids and a mask of ones, however the rows were sorted and padded.
     */
    @Test
    void modelWithoutTokenTypesGetsOnlyItsInputsAndRowsComeBackInOrder(@TempDir Path temp) throws Exception {
        Path source = Fixtures.require("hf-albert-tiny/qa");
        Path dir = Files.createDirectory(temp.resolve("echo"));
        Files.copy(source.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(source.resolve(AlbertModel.TOKENIZER_FILE), dir.resolve(AlbertModel.TOKENIZER_FILE));
        new OnnxGraphWriter().input("input_ids", OnnxGraphWriter.INT64, "batch_size", "sequence_length")
                .input("attention_mask", OnnxGraphWriter.INT64, "batch_size", "sequence_length")
                .castToFloat("input_ids", "start_logits").castToFloat("attention_mask", "end_logits")
                .write(dir.resolve(AlbertModel.MODEL_FILE));
        List<EncodedRow> rows = new ArrayList<>();
        for (int length : new int[] {9, 2, 30, 5, 5, 17, 1, 30, 12}) {
            int[] ids = new int[length];
            for (int p = 0; p < length; p++) {
                ids[p] = 1000 * rows.size() + p + 1;
            }
            rows.add(new EncodedRow(ids, new int[length]));
        }
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
                AlbertEncoder encoder = model.encoder(3, 64)) {
            assertEquals(ModelTask.QUESTION_ANSWERING, model.task());
            assertFalse(model.feedsTokenTypes());
            List<float[][]> echoed = encoder.encode(rows, (out, row) -> new float[][] {
                out.tokenScalars("start_logits", row), out.tokenScalars("end_logits", row)});
            // Hand-counted: sub-batches (1,2,5) (5,9,12) (17,30) (30) pad 15+36+60+30 = 141 cells for 111 tokens.
            assertEquals(30.0 / 141, encoder.paddingRatio(), 1e-12);
            for (int i = 0; i < rows.size(); i++) {
                int[] ids = rows.get(i).ids();
                float[] wantIds = new float[ids.length];
                float[] ones = new float[ids.length];
                for (int p = 0; p < ids.length; p++) {
                    wantIds[p] = ids[p];
                    ones[p] = 1f;
                }
                assertArrayEquals(wantIds, echoed.get(i)[0], "row " + i);
                assertArrayEquals(ones, echoed.get(i)[1], "row " + i);
            }
        }
    }

    @Test
    void subBatchesAreSortedByLengthAndRespectBothLimits() {
        int[] lengths = {5, 128, 3, 3, 40, 7, 128, 1, 60};
        List<int[]> plan = AlbertEncoder.plan(lengths, 3, 130);
        Set<Integer> seen = new HashSet<>();
        int previousLongest = 0;
        for (int[] batch : plan) {
            int longest = 0;
            for (int row : batch) {
                assertTrue(seen.add(row), "row " + row + " planned twice");
                assertTrue(lengths[row] >= previousLongest, "rows are not in length order");
                longest = Math.max(longest, lengths[row]);
            }
            assertTrue(batch.length <= 3);
            assertTrue(batch.length == 1 || batch.length * longest <= 130,
                    "budget exceeded by " + batch.length + " × " + longest);
            previousLongest = longest;
        }
        assertEquals(lengths.length, seen.size());
        // Hand-checked: 3 rows at most; 60 cannot join 128 (2 × 128 > 130), and each 128 goes alone.
        List<String> sizes = new ArrayList<>();
        for (int[] batch : plan) {
            sizes.add(java.util.Arrays.stream(batch).map(r -> lengths[r]).boxed().map(String::valueOf)
                    .collect(Collectors.joining(",")));
        }
        assertEquals(List.of("1,3,3", "5,7,40", "60", "128", "128"), sizes);
    }

    private static List<EncodedRow> rows(List<JsonNode> records) {
        return records.stream().map(Expected::row).toList();
    }
}
