package dev.flinkalbert.model.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.inference.Answer;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.HfFixtureRecords;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.testing.Fixtures;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tiny QA checkpoint through our windows, model and evaluation, against transformers' question-answering
 * pipeline on multi-window contexts (2 to 5 windows): the same windows for all 20 records, and with the pipeline's
 * answers taken as gold, exact match 100. (The decoder itself, the operators' {@code QuestionAnsweringDecoder}, is
 * proved against the same records with scores in {@code AnswererPipelineTest}.)
 */
class QaPipelineParityTest {

    @Test
    void windowsAndAnswersEqualTheTransformersPipeline() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/qa");
        List<JsonNode> records = HfFixtureRecords.read(dir.resolve("pipeline-expected.jsonl"));
        List<SquadExample> examples = new ArrayList<>();
        for (JsonNode r : records) {
            String context = r.get("context").asText();
            // the fixture counts code points, as Python does
            int start = context.offsetByCodePoints(0, r.get("start").asInt());
            examples.add(new SquadExample(r.get("id").asText(), r.get("question").asText(), context,
                    List.of(new SquadExample.Answer(r.get("answer").asText(), start))));
        }
        AlbertTokenizer tokenizer = AlbertTokenizer.fromModelDirectory(dir);
        QaData data = QaData.encode(examples, tokenizer, 384, 128, 8, 0L);
        for (int i = 0; i < records.size(); i++) {
            int example = i;
            List<Integer> lengths = data.features().stream().filter(f -> f.example() == example)
                    .map(f -> f.encoding().length()).toList();
            List<Integer> expectedLengths = new ArrayList<>();
            records.get(i).get("window_lengths").forEach(n -> expectedLengths.add(n.asInt()));
            assertEquals(expectedLengths, lengths, "window lengths of " + records.get(i).get("id"));
        }
        try (NDManager manager = NDManager.newBaseManager();
                AlbertModel model = HfCheckpoint.load(dir, null, 0L, manager)) {
            List<Answer> answers = QaObjective.answers(model, data, 15);
            for (int i = 0; i < records.size(); i++) {
                JsonNode r = records.get(i);
                String context = r.get("context").asText();
                String id = r.get("id").asText();
                assertEquals(r.get("answer").asText(), answers.get(i).text(), id);
                assertEquals(r.get("start").asInt(), context.codePointCount(0, answers.get(i).start()), id + " start");
                assertEquals(r.get("end").asInt(), context.codePointCount(0, answers.get(i).end()), id + " end");
            }
            SquadMetrics.Score score = QaObjective.evaluate(model, data, 15);
            assertEquals(100.0, score.exactMatch(), 1e-9);
            assertEquals(100.0, score.f1(), 1e-9);
        }
    }

    @Test
    void squadNormalisationExactMatchAndF1() {
        assertEquals("eiffel tower", SquadMetrics.normalize("The  Eiffel Tower!"));
        assertEquals("eiffeltower", SquadMetrics.normalize("an Eiffel-Tower"));
        assertTrue(SquadMetrics.exactMatch("the Eiffel Tower.", "Eiffel Tower"));
        // prediction "tower in paris" vs gold "eiffel tower": 1 common token, P 1/3, R 1/2, F1 0.4
        assertEquals(0.4, SquadMetrics.f1("tower in Paris", "the Eiffel Tower"), 1e-12);
        SquadMetrics.Score s = SquadMetrics.score(List.of("Paris", "x"), List.of(List.of("paris", "Paris, France"), List.of("y")));
        assertEquals(50.0, s.exactMatch(), 1e-12);
        assertEquals(50.0, s.f1(), 1e-12);
    }
}
