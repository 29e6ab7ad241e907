package dev.flinkalbert.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * How operators use the engine: several threads, each with its own predictor, on one shared session; a batch that
 * ONNX Runtime rejects fails as a whole and leaves the encoder usable. (That an albert-base-sized graph loads
 * and classifies is {@code AlbertBaseSizedExportTest} in the model module, which writes such a graph.)
 */
class SharedUseTest {

    @Test
    void predictorsOnSeveralThreadsShareOneSession() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        List<TextInput> inputs = expected.stream().filter(r -> !r.hasNonNull("text_pair"))
                .map(r -> TextInput.of(r.get("text").asText())).toList();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build()) {
            List<Future<List<Outcome<ClassificationPrediction>>>> futures = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                futures.add(pool.submit(() -> {
                    try (Classifier classifier = model.classifier().maxLength(128).maxBatchSize(4).build()) {
                        List<Outcome<ClassificationPrediction>> last = null;
                        for (int round = 0; round < 5; round++) {
                            last = classifier.predict(inputs);
                        }
                        return last;
                    }
                }));
            }
            for (Future<List<Outcome<ClassificationPrediction>>> future : futures) {
                List<Outcome<ClassificationPrediction>> outcomes = future.get();
                for (int i = 0; i < inputs.size(); i++) {
                    assertArrayEquals(Fixtures.floats(expected.get(i).get("logits")), outcomes.get(i).value().logits(),
                            1e-4f, expected.get(i).get("id").asText());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBatchOnnxRuntimeRejectsFailsWholeAndTheEncoderRecovers() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        JsonNode record = Fixtures.jsonLines(dir.resolve("expected.jsonl")).get(0);
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
                AlbertEncoder encoder = model.encoder(8, 1024)) {
            // Id 30000 is outside the 30000-word vocabulary: the embedding Gather fails for the whole call.
            List<EncodedRow> rows = List.of(Expected.row(record), new EncodedRow(new int[] {2, 30000, 3}, null));
            OrtException e = assertThrows(OrtException.class,
                    () -> encoder.encode(rows, (out, row) -> out.vector("logits", row)));
            assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("out of"), e.getMessage());
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> encoder.encode(List.of(new EncodedRow(new int[513], null)), (out, row) -> null));
            assertTrue(tooLong.getMessage().contains("513 tokens, more than the model's max_position_embeddings 512"),
                    tooLong.getMessage());
            float[] logits = encoder.encode(List.of(Expected.row(record)), (out, row) -> out.vector("logits", row))
                    .get(0);
            assertArrayEquals(Fixtures.floats(record.get("logits")), logits, 1e-4f);
        }
    }
}
