package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

/**
 * A model shipped with the job (distributed cache) and the shared per-TaskManager batcher together: the batcher runs
 * behind Flink's async operator, whose function context has no distributed cache, so the batcher must get the
 * task's own (it used to open the model without it and fail every task).
 */
class ShippedSharedBatcherTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final float TOLERANCE = 1e-4f;

    @Test
    void classifiesAsHuggingFaceWithAShippedModelBehindTheSharedBatcher() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl")).subList(0, 12);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2); // two subtasks in one TaskManager feed one batcher

        AlbertClassifier classifier = AlbertClassifier.builder()
                .modelLocation(ModelLocation.shipped(dir))
                .sharedPerTaskManager("shipped-shared-test")
                .maxLength(128)
                .maxBatchSize(4)
                .build();
        Map<String, ClassificationResult> results = new HashMap<>();
        try (CloseableIterator<ClassificationResult> out = classifier.apply(events(env, expected)).executeAndCollect()) {
            out.forEachRemaining(r -> results.put(r.getId(), r));
        }

        assertEquals(1, env.getCachedFiles().size(), "the model directory travels with the job");
        assertEquals(expected.size(), results.size());
        for (JsonNode record : expected) {
            String id = record.get("id").asText();
            ClassificationResult result = results.get(id);
            assertEquals(record.get("predicted_label").asText(), result.getLabel(), id);
            double best = 0;
            for (JsonNode p : record.get("probabilities")) {
                best = Math.max(best, p.asDouble());
            }
            assertEquals(best, result.getScore(), TOLERANCE, id + ": the label's probability");
        }
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
