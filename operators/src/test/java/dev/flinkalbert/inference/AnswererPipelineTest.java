package dev.flinkalbert.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The answerer against Hugging Face's {@code pipeline("question-answering")} recorded on the tiny QA model
 * ({@code qa/pipeline-expected.jsonl}: 20 contexts of 2–5 windows): same answer text and character offsets, score
 * within 1e-3 relative. The fixture's offsets count Python code points; the API's count UTF-16 chars.
 */
class AnswererPipelineTest {

    private static final double RELATIVE_TOLERANCE = 1e-3;

    @Test
    void answersEqualThePipelinesInOneBatchAndAlone() {
        Path dir = Fixtures.require("hf-albert-tiny/qa");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("pipeline-expected.jsonl"));
        List<TextInput> inputs = expected.stream()
                .map(r -> TextInput.question(r.get("question").asText(), r.get("context").asText())).toList();
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
                Answerer answerer = model.answerer().build()) {
            List<Outcome<AnswerPrediction>> batched = answerer.predict(inputs);
            for (int i = 0; i < expected.size(); i++) {
                JsonNode record = expected.get(i);
                AnswerPrediction alone = answerer.predict(List.of(inputs.get(i))).get(0).value();
                for (AnswerPrediction prediction : List.of(batched.get(i).value(), alone)) {
                    assertEquals(record.get("num_windows").asInt(), prediction.windows(), record.get("id").asText());
                    assertEquals(1, prediction.answers().size());
                    assertAnswer(record, record, prediction.best());
                }
            }
        }
    }

    /**
     * The pipeline's whole ranked list (top_k 1: the 12 best spans per window, widened to words, merged by text):
     * its length and its second entry are recorded as {@code candidates_after_merge} and {@code runner_up}.
     */
    @Test
    void mergedCandidatesAndRunnerUpEqualThePipelines() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/qa");
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build()) {
            QuestionAnsweringDecoder decoder = new QuestionAnsweringDecoder(1, 15, false, model.tokenizer().clsId());
            for (JsonNode record : Fixtures.jsonLines(dir.resolve("pipeline-expected.jsonl"))) {
                List<Answer> ranked = decoder.rank(record.get("context").asText(), windows(model, record));
                assertEquals(record.get("candidates_after_merge").asInt(), ranked.size(), record.get("id").asText());
                assertAnswer(record, record, ranked.get(0));
                assertAnswer(record, record.get("runner_up"), ranked.get(1));
                assertTrue(ranked.stream().noneMatch(Answer::isNoAnswer));
            }
        }
    }

    @Test
    void theEmptyAnswerCompetesOnlyWhenAsked() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/qa");
        JsonNode record = Fixtures.jsonLines(dir.resolve("pipeline-expected.jsonl")).get(0);
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build()) {
            List<QuestionAnsweringDecoder.Window> windows = windows(model, record);
            String context = record.get("context").asText();
            List<Answer> ranked = new QuestionAnsweringDecoder(1, 15, true, model.tokenizer().clsId())
                    .rank(context, windows);
            List<Answer> none = ranked.stream().filter(Answer::isNoAnswer).toList();
            assertEquals(1, none.size());
            // p_start[CLS] × p_end[CLS] of a window: a product of two probabilities, positive and below 1.
            assertTrue(none.get(0).score() > 0 && none.get(0).score() < 1, String.valueOf(none.get(0).score()));
            assertEquals(record.get("candidates_after_merge").asInt() + 1, ranked.size());
            for (int k = 1; k < ranked.size(); k++) {
                assertTrue(ranked.get(k - 1).score() >= ranked.get(k).score());
            }
        }
    }

    /** The record's windows with the model's logits, made as the answerer makes them. */
    private static List<QuestionAnsweringDecoder.Window> windows(AlbertModel model, JsonNode record)
            throws Exception {
        List<dev.flinkalbert.tokenizer.Encoding> encodings = model.tokenizer().encodeQuestionContext(
                record.get("question").asText(), record.get("context").asText(), Answerer.DEFAULT_MAX_LENGTH,
                Answerer.DEFAULT_STRIDE);
        List<Integer> lengths = new ArrayList<>();
        for (var e : encodings) {
            lengths.add(e.length());
        }
        assertEquals(lengths.toString(), record.get("window_lengths").toString().replace(",", ", "));
        try (AlbertEncoder encoder = model.encoder(8, 4096)) {
            List<float[][]> logits = encoder.encode(
                    encodings.stream().map(e -> new EncodedRow(e.ids(), e.typeIds())).toList(),
                    (out, row) -> new float[][] {out.tokenScalars("start_logits", row),
                        out.tokenScalars("end_logits", row)});
            List<QuestionAnsweringDecoder.Window> windows = new ArrayList<>();
            for (int w = 0; w < encodings.size(); w++) {
                windows.add(QuestionAnsweringDecoder.Window.of(encodings.get(w), logits.get(w)[0], logits.get(w)[1]));
            }
            return windows;
        }
    }

    @Test
    void aMissingContextFailsOnlyItsInput() {
        Path dir = Fixtures.require("hf-albert-tiny/qa");
        JsonNode record = Fixtures.jsonLines(dir.resolve("pipeline-expected.jsonl")).get(3);
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
                Answerer answerer = model.answerer().build()) {
            List<Outcome<AnswerPrediction>> outcomes = answerer.predict(List.of(
                    TextInput.question("what?", null),
                    TextInput.question(record.get("question").asText(), record.get("context").asText())));
            assertFalse(outcomes.get(0).isSuccess());
            assertTrue(outcomes.get(0).error().getMessage().contains("context is null"));
            assertAnswer(record, record, outcomes.get(1).value().best());
        }
    }

    private static void assertAnswer(JsonNode record, JsonNode want, Answer got) {
        String context = record.get("context").asText();
        String id = record.get("id").asText();
        int start = context.offsetByCodePoints(0, want.get("start").asInt());
        int end = context.offsetByCodePoints(0, want.get("end").asInt());
        assertEquals(want.get("answer").asText(), got.text(), id);
        assertEquals(start, got.start(), id + " start");
        assertEquals(end, got.end(), id + " end");
        assertEquals(got.text(), context.substring(got.start(), got.end()), id);
        double score = want.get("score").asDouble();
        assertEquals(score, got.score(), score * RELATIVE_TOLERANCE, id + " score");
    }
}
