package dev.flinkalbert.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Model inputs made by transformers' slow AlbertTokenizer for the hf-albert-tiny fixtures: singles
 * ({@code max_length=128}), pairs ({@code longest_first}, 128) and QA pairs ({@code only_second}, 128); and the
 * windows HF's question-answering pipeline made ({@code max_seq_len=384, doc_stride=128}).
 */
class TokenizerReferenceEncodingsTest {

    private static AlbertTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = AlbertTokenizer.fromModelDirectory(Fixtures.require("hf-albert-tiny/qa"));
    }

    static List<JsonNode> records(String relative) {
        return Fixtures.jsonLines(Fixtures.require(relative));
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "seqcls", "qa"})
    void encodingsMatchTheSlowTokenizer(String model) throws Exception {
        int checked = 0;
        int truncated = 0;
        for (JsonNode rec : records("hf-albert-tiny/" + model + "/expected.jsonl")) {
            String kind = rec.get("kind").asText();
            Encoding e;
            switch (kind) {
                case "single":
                    e = tokenizer.encode(rec.get("text").asText(), 128);
                    break;
                case "pair":
                    e = tokenizer.encodePair(rec.get("text").asText(), rec.get("text_pair").asText(), 128,
                            Truncation.LONGEST_FIRST);
                    break;
                case "qa":
                    e = tokenizer.encodePair(rec.get("text").asText(), rec.get("text_pair").asText(), 128,
                            Truncation.ONLY_SECOND);
                    break;
                default:
                    throw new AssertionError("unknown kind " + kind);
            }
            String id = rec.get("id").asText();
            assertArrayEquals(Fixtures.ints(rec.get("input_ids")), e.ids(), id + " input_ids");
            assertArrayEquals(Fixtures.ints(rec.get("token_type_ids")), e.typeIds(), id + " token_type_ids");
            assertEquals(rec.get("truncated").asBoolean(), e.truncated(), id + " truncated");
            truncated += e.truncated() ? 1 : 0;
            checked++;
        }
        assertTrue(checked >= 40, "records checked: " + checked);
        assertTrue(truncated >= 1, "some records are truncated");
    }

    @Test
    void questionAnsweringWindowsMatchTheHfPipeline() throws Exception {
        List<JsonNode> records = records("hf-albert-tiny/qa/pipeline-expected.jsonl");
        assertEquals(20, records.size());
        for (JsonNode rec : records) {
            String id = rec.get("id").asText();
            String question = rec.get("question").asText();
            String context = rec.get("context").asText();
            assertEquals(rec.get("num_question_tokens").asInt(), tokenizer.pieceIds(question).length, id);
            assertEquals(rec.get("num_context_tokens").asInt(), tokenizer.pieceIds(context).length, id);
            List<Encoding> windows = tokenizer.encodeQuestionContext(question, context, 384, 128);
            assertEquals(rec.get("num_windows").asInt(), windows.size(), id + " windows");
            int[] lengths = windows.stream().mapToInt(Encoding::length).toArray();
            assertArrayEquals(Fixtures.ints(rec.get("window_lengths")), lengths, id + " window lengths");
            // The pipeline's answer is a span of whole tokens of the fast tokenizer: it must start at one of our
            // context tokens' starts and end at one of their ends.
            // Python indexes code points; our spans are UTF-16 indices.
            int start = context.offsetByCodePoints(0, rec.get("start").asInt());
            int end = context.offsetByCodePoints(0, rec.get("end").asInt());
            assertEquals(rec.get("answer").asText(), context.substring(start, end), id);
            boolean startFound = false;
            boolean endFound = false;
            for (Encoding w : windows) {
                assertTrue(w.truncated(), id + " is split into windows");
                for (int i = 0; i < w.length(); i++) {
                    if (w.sequenceIds()[i] == 1) {
                        startFound |= w.starts()[i] == start;
                        endFound |= w.ends()[i] == end;
                    }
                }
            }
            assertTrue(startFound && endFound, id + ": answer [" + start + ", " + end + ") is not on token boundaries");
        }
    }
}
