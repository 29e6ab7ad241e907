package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.EntityResult;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.inference.EntityAggregation;
import dev.flinkalbert.testing.Fixtures;
import dev.flinkalbert.testing.PipelineEntities;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link AlbertTokenClassifier} on a MiniCluster with the tiny NER fixture: one {@link EntityResult} per event with
 * the entities transformers' token-classification pipeline returned for its text, and dead letters (with the reason
 * and the event's bytes) for events that cannot be tagged, in the middle of a batch, the neighbours unaffected.
 */
class AlbertTokenClassifierTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final Instant EVENT_TIME = Instant.ofEpochMilli(1_700_000_000_000L);

    private static TextEvent event(String id, String text, String textPair) {
        return TextEvent.newBuilder().setId(id).setText(text).setTextPair(textPair)
                .setAttributes(Map.of("source", "test-" + id)).setEventTime(EVENT_TIME).build();
    }

    @Test
    void tagsAsThePipelineAndDeadLettersWhatCannotBeTagged() throws Exception {
        for (EntityAggregation strategy : List.of(EntityAggregation.NONE, EntityAggregation.SIMPLE,
                EntityAggregation.FIRST)) {
            tags(strategy, strategy == EntityAggregation.SIMPLE ? "ner-test" : null);
        }
    }

    private void tags(EntityAggregation strategy, String sharedBatcher) throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/tokcls");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("pipeline-expected.jsonl"));
        List<TextEvent> events = new ArrayList<>();
        TextEvent noText = event("no-text", null, null);
        TextEvent pair = event("pair", "Ada Lovelace", "lived in London");
        for (JsonNode record : expected) {
            events.add(event(record.get("index").asText(), record.get("text").asText(), null));
            if (events.size() == 5) {
                events.add(noText);
                events.add(pair);
            }
        }
        AlbertTokenClassifier.Builder builder = AlbertTokenClassifier.builder()
                .modelDirectory(dir).aggregation(strategy).maxBatchSize(8).modelVersion("3");
        if (sharedBatcher != null) {
            builder.sharedPerTaskManager(sharedBatcher);
        }
        StreamExecutionEnvironment env = AlbertOperatorsTest.env(2);
        AlbertOperatorsTest.Collected<EntityResult> out =
                AlbertOperatorsTest.run(env, builder.build().apply(AlbertOperatorsTest.source(env, events)));

        Map<String, EntityResult> byId = new HashMap<>();
        for (EntityResult result : out.results()) {
            assertEquals(null, byId.put(result.getId(), result), "one result per event");
        }
        assertEquals(expected.size(), byId.size());
        List<String> nearTies = new ArrayList<>();
        int entities = 0;
        for (JsonNode record : expected) {
            String id = record.get("index").asText();
            EntityResult result = byId.get(id);
            List<String> problems = PipelineEntities.differences(record, strategy.pipelineName(),
                    result.getEntities());
            if (!problems.isEmpty() && PipelineEntities.nearTie(record)) {
                nearTies.add(id + ": " + problems.get(0));
            } else {
                assertEquals(List.of(), problems, strategy + " of " + id);
            }
            entities += result.getEntities().size();
            assertEquals("tokcls", result.getModelId());
            assertEquals("3", result.getModelVersion());
            assertEquals(Map.of("source", "test-" + id), result.getAttributes());
            assertEquals(EVENT_TIME, result.getEventTime());
        }
        assertTrue(entities > 0, "the fixture's texts have entities");
        System.out.println(strategy + ": near-tie records that differ (allowed): " + nearTies);

        Map<String, DeadLetter> deadLetters = new HashMap<>();
        out.deadLetters().forEach(d -> deadLetters.put(d.getId(), d));
        assertEquals(Set.of("no-text", "pair"), deadLetters.keySet());
        assertEquals(FailureStage.TOKENIZE, deadLetters.get("no-text").getStage());
        assertEquals("the input text is null", deadLetters.get("no-text").getMessage());
        assertEquals(FailureStage.TOKENIZE, deadLetters.get("pair").getStage());
        assertEquals("token classification tags one text, but the input has a text pair: use TextInput.of(text)",
                deadLetters.get("pair").getMessage());
        assertTrue(deadLetters.get("pair").getOriginal().remaining() > 0, "the event's bytes are kept");
    }

    @Test
    void buildRefusesBadOptionsWithTheFix() {
        IllegalArgumentException stride = assertThrows(IllegalArgumentException.class,
                () -> AlbertTokenClassifier.builder().modelDirectory(Path.of("m")).stride(-1).build());
        assertEquals("stride must be at least 0, got -1", stride.getMessage());
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> AlbertTokenClassifier.builder().build());
        assertTrue(missing.getMessage().startsWith("set modelDirectory(path)"), missing.getMessage());
        assertEquals(AlbertTokenClassifier.class, AlbertTransform.builder(
                dev.flinkalbert.inference.ModelTask.TOKEN_CLASSIFICATION).modelDirectory(Path.of("m")).build()
                .getClass());
    }
}
