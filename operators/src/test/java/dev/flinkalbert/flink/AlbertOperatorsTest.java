package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.EmbeddingResult;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.LabelScore;
import dev.flinkalbert.avro.QaAnswer;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.inference.Pooling;
import dev.flinkalbert.testing.Fixtures;

import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The public DataStream API on a MiniCluster with the tiny fixture models: Avro events in, Avro results out, equal
 * to Hugging Face's; an event that cannot be processed in the middle of a batch goes to the dead letters with its
 * Avro bytes, and its neighbours are unaffected; per-subtask and shared modes alike.
 */
class AlbertOperatorsTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final String BROKEN_ID = "broken";
    private static final Instant EVENT_TIME = Instant.ofEpochMilli(1_700_000_000_000L);

    private static TextEvent event(String id, String text, String textPair) {
        return TextEvent.newBuilder().setId(id).setText(text).setTextPair(textPair)
                .setAttributes(Map.of("source", "test-" + id)).setEventTime(EVENT_TIME).build();
    }

    /** The fixture's records as events, with {@code broken} after the fifth: in the middle of the first batch of 8. */
    private static List<TextEvent> events(List<JsonNode> expected, Function<JsonNode, TextEvent> toEvent,
            TextEvent broken) {
        List<TextEvent> events = new ArrayList<>();
        for (JsonNode record : expected) {
            events.add(toEvent.apply(record));
            if (events.size() == 5) {
                events.add(broken);
            }
        }
        return events;
    }

    @Test
    void classifiesAsHuggingFacePerSubtask() throws Exception {
        classifies(null);
    }

    @Test
    void classifiesAsHuggingFaceShared() throws Exception {
        classifies("classify-test");
    }

    private void classifies(String sharedBatcher) throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        List<TextEvent> events = events(expected, r -> event(r.get("id").asText(), r.get("text").asText(),
                r.hasNonNull("text_pair") ? r.get("text_pair").asText() : null), event(BROKEN_ID, null, null));
        AlbertClassifier.Builder builder = AlbertClassifier.builder()
                .modelDirectory(dir).maxLength(128).maxBatchSize(8).modelVersion("7");
        if (sharedBatcher != null) {
            builder.sharedPerTaskManager(sharedBatcher);
        }
        StreamExecutionEnvironment env = env(sharedBatcher == null ? 1 : 2);
        Collected<ClassificationResult> out = run(env, builder.build().apply(source(env, events)));

        Map<String, ClassificationResult> byId = byId(out.results, ClassificationResult::getId);
        assertEquals(expected.size(), byId.size());
        for (JsonNode record : expected) {
            String id = record.get("id").asText();
            ClassificationResult result = byId.get(id);
            assertEquals(record.get("predicted_label").asText(), result.getLabel(), id);
            assertEquals(List.of("negative", "neutral", "positive").size(), result.getScores().size(), id);
            Map<String, Float> scores = new HashMap<>();
            for (LabelScore score : result.getScores()) {
                scores.put(score.getLabel(), score.getScore());
            }
            List<String> labels = List.of("negative", "neutral", "positive");
            for (int i = 0; i < labels.size(); i++) {
                assertEquals(record.get("probabilities").get(i).asDouble(), scores.get(labels.get(i)), 1e-5, id);
            }
            assertEquals(result.getScores().get(0).getScore(), result.getScore(), id + ": best first");
            assertEquals("seqcls", result.getModelId());
            assertEquals("7", result.getModelVersion());
            assertEquals(Map.of("source", "test-" + id), result.getAttributes());
            assertEquals(EVENT_TIME, result.getEventTime());
        }
        assertOneDeadLetter(out, events.get(5), FailureStage.TOKENIZE, "the input text is null");
    }

    @Test
    void embedsAsHuggingFacePooler() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/base");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        List<TextEvent> events = events(expected, r -> event(r.get("id").asText(), r.get("text").asText(), null),
                event(BROKEN_ID, null, "a pair without a text"));
        StreamExecutionEnvironment env = env(1);
        Collected<EmbeddingResult> out = run(env, AlbertEmbedder.builder()
                .modelDirectory(dir).maxLength(128).maxBatchSize(8).pooling(Pooling.POOLER)
                .build().apply(source(env, events)));

        Map<String, EmbeddingResult> byId = byId(out.results, EmbeddingResult::getId);
        assertEquals(expected.size(), byId.size());
        for (JsonNode record : expected) {
            String id = record.get("id").asText();
            EmbeddingResult result = byId.get(id);
            JsonNode pooler = record.get("pooler_output");
            assertEquals(pooler.size(), result.getEmbedding().size(), id);
            for (int i = 0; i < pooler.size(); i++) {
                assertEquals(pooler.get(i).asDouble(), result.getEmbedding().get(i), 1e-4, id + "[" + i + "]");
            }
            assertEquals(dev.flinkalbert.avro.Pooling.POOLER, result.getPooling());
            assertFalse(result.getNormalized());
            assertEquals(EVENT_TIME, result.getEventTime());
        }
        assertOneDeadLetter(out, events.get(5), FailureStage.TOKENIZE, "the input text is null");
    }

    @Test
    void answersAsTheHuggingFacePipeline() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/qa");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("pipeline-expected.jsonl"));
        TextEvent noContext = TextEvent.newBuilder().setId(BROKEN_ID).setQuestion("Who?").build();
        List<TextEvent> events = events(expected, r -> TextEvent.newBuilder().setId(r.get("id").asText())
                .setQuestion(r.get("question").asText()).setContext(r.get("context").asText()).build(), noContext);
        StreamExecutionEnvironment env = env(1);
        Collected<QaAnswer> out = run(env, AlbertAnswerer.builder()
                .modelDirectory(dir).maxBatchSize(8).sharedPerTaskManager("qa-test")
                .build().apply(source(env, events)));

        Map<String, QaAnswer> byId = byId(out.results, QaAnswer::getId);
        assertEquals(expected.size(), byId.size());
        for (JsonNode record : expected) {
            assertAnswer(record, byId.get(record.get("id").asText()));
        }
        assertOneDeadLetter(out, noContext, FailureStage.TOKENIZE,
                "the context is null: use TextInput.question(question, context)");
    }

    @Test
    void asksConfiguredQuestionsOfEveryText() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/qa");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("pipeline-expected.jsonl")).subList(0, 2);
        List<String> questions = expected.stream().map(r -> r.get("question").asText()).toList();
        List<TextEvent> events = new ArrayList<>();
        for (JsonNode record : expected) {
            events.add(event(record.get("id").asText(), record.get("context").asText(), null));
        }
        StreamExecutionEnvironment env = env(1);
        Collected<QaAnswer> out = run(env, AlbertAnswerer.builder()
                .modelDirectory(dir).questions(questions).build().apply(source(env, events)));

        assertEquals(4, out.results.size(), "one answer per event and question");
        for (JsonNode record : expected) {
            QaAnswer answer = out.results.stream()
                    .filter(a -> a.getId().equals(record.get("id").asText())
                            && a.getQuestion().equals(record.get("question").asText()))
                    .findFirst().orElseThrow();
            assertAnswer(record, answer);
            assertEquals(Map.of("source", "test-" + record.get("id").asText()), answer.getAttributes());
        }
        assertTrue(out.deadLetters.isEmpty());
    }

    @Test
    void buildNamesTheMissingModelDirectory() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AlbertClassifier.builder().build());
        assertTrue(e.getMessage().startsWith("set modelDirectory(path)"), e.getMessage());
        IllegalArgumentException linger = assertThrows(IllegalArgumentException.class,
                () -> AlbertEmbedder.builder().modelDirectory(Path.of("m")).maxLinger(java.time.Duration.ZERO).build());
        assertTrue(linger.getMessage().contains("maxLinger"), linger.getMessage());
    }

    /** Same answer and offsets as the pipeline (code points in the fixture, UTF-16 here), score within 1e-3. */
    private static void assertAnswer(JsonNode record, QaAnswer answer) {
        String context = record.get("context").asText();
        String id = record.get("id").asText();
        assertEquals(record.get("answer").asText(), answer.getAnswer(), id);
        assertEquals(context.offsetByCodePoints(0, record.get("start").asInt()), answer.getStart(), id);
        assertEquals(context.offsetByCodePoints(0, record.get("end").asInt()), answer.getEnd(), id);
        assertTrue(answer.getHasAnswer(), id);
        double score = record.get("score").asDouble();
        assertEquals(score, answer.getScore(), score * 1e-3, id);
    }

    private static void assertOneDeadLetter(Collected<?> out, TextEvent broken, FailureStage stage, String message)
            throws Exception {
        assertEquals(1, out.deadLetters.size(), String.valueOf(out.deadLetters));
        DeadLetter deadLetter = out.deadLetters.get(0);
        assertEquals(broken.getId(), deadLetter.getId());
        assertEquals(stage, deadLetter.getStage());
        assertEquals(message, deadLetter.getMessage());
        ByteBuffer original = deadLetter.getOriginal();
        byte[] bytes = new byte[original.remaining()];
        original.duplicate().get(bytes);
        TextEvent decoded = new SpecificDatumReader<>(TextEvent.class)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        assertEquals(broken, decoded, "the dead letter keeps the event's Avro bytes");
    }

    static StreamExecutionEnvironment env(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        return env;
    }

    static DataStream<TextEvent> source(StreamExecutionEnvironment env, List<TextEvent> events) {
        return env.fromData(events, TextEvents.TYPE).setParallelism(1);
    }

    private static <T> Map<String, T> byId(List<T> results, Function<T, String> id) {
        Map<String, T> byId = new HashMap<>();
        for (T result : results) {
            assertEquals(null, byId.put(id.apply(result), result), "one result per event");
        }
        return byId;
    }

    static <T> Collected<T> run(StreamExecutionEnvironment env, SingleOutputStreamOperator<T> results)
            throws Exception {
        CloseableIterator<T> resultIterator = results.collectAsync();
        CloseableIterator<DeadLetter> deadLetterIterator =
                results.getSideOutput(MicroBatching.DEAD_LETTERS).collectAsync();
        env.execute();
        Collected<T> collected = new Collected<>(new ArrayList<>(), new ArrayList<>());
        resultIterator.forEachRemaining(collected.results::add);
        deadLetterIterator.forEachRemaining(collected.deadLetters::add);
        return collected;
    }

    record Collected<T>(List<T> results, List<DeadLetter> deadLetters) {}
}
