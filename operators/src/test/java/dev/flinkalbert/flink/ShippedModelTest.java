package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ALBERT operators with a {@link ModelLocation}: a model shipped through the distributed cache, a checksum pin. */
class ShippedModelTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());

    private static final String NOT_THE_MODEL = "0".repeat(64);

    @Test
    void classifiesWithAModelShippedWithTheJobAsHuggingFace() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl")).subList(0, 12);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);

        AlbertClassifier classifier = AlbertClassifier.builder()
                .modelLocation(ModelLocation.shipped(dir))
                .maxLength(128)
                .maxBatchSize(4)
                .build();
        Map<String, String> labels = new HashMap<>();
        try (CloseableIterator<ClassificationResult> results = classifier.apply(events(env, expected)).executeAndCollect()) {
            results.forEachRemaining(r -> labels.put(r.getId(), r.getLabel()));
        }

        assertEquals(1, env.getCachedFiles().size(), "the model directory is registered once");
        assertEquals(expected.size(), labels.size());
        for (JsonNode record : expected) {
            assertEquals(record.get("predicted_label").asText(), labels.get(record.get("id").asText()));
        }
    }

    @Test
    void anotherModelThanThePinnedOneStopsTheJobBeforeItStarts() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AlbertClassifier classifier = AlbertClassifier.builder()
                .modelLocation(ModelLocation.local(dir).withModelSha256(NOT_THE_MODEL))
                .build();
        DataStream<TextEvent> events = events(env, Fixtures.jsonLines(dir.resolve("expected.jsonl")).subList(0, 1));

        IllegalArgumentException atBuild = assertThrows(IllegalArgumentException.class, () -> classifier.apply(events));
        assertTrue(atBuild.getMessage().contains("but " + NOT_THE_MODEL + " was expected"), atBuild.getMessage());
        IllegalArgumentException atOpen = assertThrows(IllegalArgumentException.class, classifier::open);
        assertEquals(atBuild.getMessage(), atOpen.getMessage());
    }

    private static DataStream<TextEvent> events(StreamExecutionEnvironment env, List<JsonNode> records) {
        List<TextEvent> events = new ArrayList<>();
        for (JsonNode r : records) {
            events.add(TextEvent.newBuilder()
                    .setId(r.get("id").asText())
                    .setText(r.get("text").asText())
                    .setTextPair(r.hasNonNull("text_pair") ? r.get("text_pair").asText() : null)
                    .build());
        }
        return env.fromData(events, new AvroTypeInfo<>(TextEvent.class));
    }
}
