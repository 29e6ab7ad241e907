package dev.flinkalbert.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flinkalbert.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Softmax and multi-label sigmoid scores, checked by hand and on the seqcls model with a multi-label config. */
class ClassificationHeadTest {

    @TempDir
    Path temp;

    @Test
    void softmaxAndSigmoidByHand() {
        float ln3 = (float) Math.log(3);
        ClassificationPrediction single = new ClassificationHead(List.of("a", "b"), false, 2)
                .predict(new float[] {0f, ln3});
        assertArrayEquals(new float[] {0.25f, 0.75f}, single.scores(), 1e-6f);
        assertEquals("b", single.label());
        assertEquals(List.of(new LabelScore("b", 1, single.scores()[1]), new LabelScore("a", 0, single.scores()[0])),
                single.top());
        ClassificationPrediction multi = new ClassificationHead(List.of("a", "b"), true, 5)
                .predict(new float[] {0f, ln3});
        assertArrayEquals(new float[] {0.5f, 0.75f}, multi.scores(), 1e-6f);
        assertEquals(2, multi.top().size(), "topK is capped at the number of classes");
    }

    /** With topK 1 the best class is found without ranking the others: the same class, the first of equal ones. */
    @Test
    void theBestClassAloneIsTheFirstOfTheRanking() {
        List<String> labels = List.of("a", "b", "c");
        float[][] cases = {{1f, 1f, 0f}, {0f, 2f, 2f}, {0f, 1f, 2f}, {3f, 1f, 2f}, {-1f, -1f, -1f}};
        String[] best = {"a", "b", "c", "a", "a"}; // by hand: highest logit, leftmost on ties
        for (boolean multiLabel : new boolean[] {false, true}) {
            ClassificationHead one = new ClassificationHead(labels, multiLabel, 1);
            ClassificationHead all = new ClassificationHead(labels, multiLabel, 3);
            for (int c = 0; c < cases.length; c++) {
                ClassificationPrediction alone = one.predict(cases[c].clone());
                ClassificationPrediction ranked = all.predict(cases[c].clone());
                assertEquals(best[c], alone.label(), "case " + c);
                assertEquals(List.of(ranked.top().get(0)), alone.top(), "case " + c);
                assertEquals(ranked.score(), alone.score(), "case " + c);
                assertArrayEquals(ranked.scores(), alone.scores(), "case " + c);
            }
        }
    }

    @Test
    void multiLabelConfigGivesSigmoidScores() throws IOException {
        Path source = Fixtures.require("hf-albert-tiny/seqcls");
        Path dir = Files.createDirectory(temp.resolve("multi-label"));
        for (String file : List.of(AlbertModel.MODEL_FILE, AlbertModel.TOKENIZER_FILE)) {
            Files.copy(source.resolve(file), dir.resolve(file));
        }
        Files.writeString(dir.resolve("config.json"), Files.readString(source.resolve("config.json"))
                .replace("\"model_type\"", "\"problem_type\": \"multi_label_classification\",\n  \"model_type\""),
                StandardCharsets.UTF_8);
        JsonNode record = Fixtures.jsonLines(source.resolve("expected.jsonl")).get(0);
        float[] logits = Fixtures.floats(record.get("logits"));
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
                Classifier classifier = model.classifier().build()) {
            assertEquals(true, model.multiLabel());
            ClassificationPrediction p = classifier.predict(List.of(TextInput.of(record.get("text").asText())))
                    .get(0).value();
            float[] sigmoid = new float[logits.length];
            for (int i = 0; i < logits.length; i++) {
                sigmoid[i] = (float) (1 / (1 + Math.exp(-logits[i])));
            }
            assertArrayEquals(sigmoid, p.scores(), 1e-4f);
        }
    }
}
