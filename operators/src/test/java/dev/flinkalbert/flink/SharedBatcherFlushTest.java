package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.testing.Fixtures;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The shared batcher does not wait out its linger when no record can come: one subtask with the operator's default
 * settings (flush of 4 × 32 records, in flight 2 × that) and a linger of ten minutes still finishes a bounded input
 * at once, in full batches, the last one flushed at end of input. Every result is Hugging Face's.
 */
class SharedBatcherFlushTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
            .build());

    private static final int COPIES = 5;

    @Test
    void oneSubtaskWithDefaultsGetsFullBatchesWithoutWaitingForTheLinger() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        List<TextEvent> events = new ArrayList<>();
        Map<String, JsonNode> expectedById = new HashMap<>();
        for (int copy = 0; copy < COPIES; copy++) {
            for (JsonNode record : expected) {
                String id = record.get("id").asText() + "#" + copy;
                expectedById.put(id, record);
                events.add(TextEvent.newBuilder().setId(id).setText(record.get("text").asText())
                        .setTextPair(record.hasNonNull("text_pair") ? record.get("text_pair").asText() : null)
                        .build());
            }
        }
        StreamExecutionEnvironment env = AlbertOperatorsTest.env(1);
        AlbertClassifier classifier = AlbertClassifier.builder()
                .modelDirectory(dir)
                .maxLinger(Duration.ofMinutes(10)) // a batch that waited for it would keep the test for ten minutes
                .sharedPerTaskManager("flush-test")
                .name("stall-free")
                .build();
        AlbertOperatorsTest.Collected<ClassificationResult> out =
                AlbertOperatorsTest.run(env, classifier.apply(AlbertOperatorsTest.source(env, events)));

        assertEquals(events.size(), out.results().size());
        assertEquals(List.of(), out.deadLetters());
        for (ClassificationResult result : out.results()) {
            assertEquals(expectedById.get(result.getId()).get("predicted_label").asText(), result.getLabel(),
                    result.getId());
        }
        // Defaults: flushes of 4 × 32 = 128 records; 275 records make two full batches and 19 at end of input.
        int flushSize = AlbertTransform.Builder.DEFAULT_FLUSH_BATCHES * BatchPolicy.DEFAULT_MAX_RECORDS;
        int total = COPIES * expected.size();
        Map<String, Metric> metrics = metrics("stall-free");
        assertEquals(0, count(metrics, FlushReason.LINGER), "batches that waited for the linger");
        assertEquals(total / flushSize, count(metrics, FlushReason.FULL), "full batches");
        assertEquals(1, count(metrics, FlushReason.NO_MORE_INPUT), "the last batch, at end of input");
        Histogram sizes = (Histogram) metrics.get("batchSize");
        assertEquals(total / flushSize + 1, sizes.getCount());
        assertEquals(flushSize, sizes.getStatistics().getMax());
        assertEquals(total % flushSize, sizes.getStatistics().getMin());
    }

    private static long count(Map<String, Metric> metrics, FlushReason reason) {
        return ((Counter) metrics.get(reason.metricName())).getCount();
    }

    /** The micro-batch metrics of the operator called {@code name}. */
    static Map<String, Metric> metrics(String name) {
        Map<String, Metric> metrics = new TreeMap<>();
        METRICS.getMetricsByGroup().forEach((group, byName) -> {
            String identifier = group.getMetricIdentifier("");
            if (identifier.contains("." + name + ".") && identifier.endsWith("." + FlinkBatchMetrics.GROUP + ".")) {
                metrics.putAll(byName);
            }
        });
        return metrics;
    }
}
