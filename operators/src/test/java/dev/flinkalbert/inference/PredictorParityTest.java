package dev.flinkalbert.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Text in, results out: classifier and embedder on the tiny Hugging Face models against their recorded outputs
 * ({@code expected.jsonl}), all texts of a fixture in one call (sorted and cut into sub-batches), with a failing
 * input among them that must not disturb the others.
 */
class PredictorParityTest {

    private static final float TOLERANCE = 1e-4f;

    @Test
    void classifierMatchesTransformersForTextsAndPairs() {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        List<TextInput> inputs = new ArrayList<>();
        for (JsonNode record : expected) {
            inputs.add(record.hasNonNull("text_pair")
                    ? TextInput.pair(record.get("text").asText(), record.get("text_pair").asText())
                    : TextInput.of(record.get("text").asText()));
        }
        int failing = 17;
        inputs.add(failing, TextInput.of(null));
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
                Classifier classifier = model.classifier().topK(3).maxLength(128).maxBatchSize(8).tokenBudget(512)
                        .build()) {
            List<Outcome<ClassificationPrediction>> outcomes = classifier.predict(inputs);
            assertEquals(inputs.size(), outcomes.size());
            assertFalse(outcomes.get(failing).isSuccess());
            assertInstanceOf(IllegalArgumentException.class, outcomes.get(failing).error());
            outcomes = new ArrayList<>(outcomes);
            outcomes.remove(failing);
            for (int i = 0; i < expected.size(); i++) {
                JsonNode record = expected.get(i);
                String id = record.get("id").asText();
                ClassificationPrediction p = outcomes.get(i).value();
                assertArrayEquals(Fixtures.floats(record.get("logits")), p.logits(), TOLERANCE, id);
                assertArrayEquals(Fixtures.floats(record.get("probabilities")), p.scores(), TOLERANCE, id);
                assertEquals(record.get("predicted_label").asText(), p.label(), id);
                assertEquals(3, p.top().size());
                assertEquals(p.label(), p.top().get(0).label());
                assertTrue(p.top().get(0).score() >= p.top().get(1).score()
                        && p.top().get(1).score() >= p.top().get(2).score(), id);
            }
        }
    }

    @Test
    void embedderMatchesTransformersForEveryPooling() {
        Path dir = Fixtures.require("hf-albert-tiny/base");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        List<TextInput> inputs = expected.stream().map(r -> TextInput.of(r.get("text").asText())).toList();
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build()) {
            for (Pooling pooling : Pooling.values()) {
                String field = switch (pooling) {
                    case POOLER -> "pooler_output";
                    case CLS -> "last_hidden_state_first";
                    case MEAN -> "last_hidden_state_mean";
                };
                for (boolean normalize : new boolean[] {false, true}) {
                    try (Embedder embedder = model.embedder().pooling(pooling).normalize(normalize).maxLength(128)
                            .maxBatchSize(8).tokenBudget(512).build()) {
                        List<Outcome<Embedding>> outcomes = embedder.predict(inputs);
                        for (int i = 0; i < expected.size(); i++) {
                            JsonNode record = expected.get(i);
                            float[] want = Fixtures.floats(record.get(field));
                            Embedding got = outcomes.get(i).value();
                            assertEquals(record.get("input_ids").size(), got.tokens());
                            assertArrayEquals(normalize ? unit(want) : want, got.vector(), TOLERANCE,
                                    pooling + " " + record.get("id").asText());
                        }
                    }
                }
            }
        }
    }

    @Test
    void predictorsRefuseAModelOfAnotherTask() {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.answerer().build());
            assertTrue(e.getMessage().contains("an answerer needs a QUESTION_ANSWERING model"), e.getMessage());
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> model.classifier().maxLength(513).build());
            assertTrue(tooLong.getMessage().contains("max_position_embeddings 512"), tooLong.getMessage());
        }
    }

    /** Hand-computed L2 normalisation of a reference vector. */
    private static float[] unit(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(sum));
        }
        return out;
    }
}
