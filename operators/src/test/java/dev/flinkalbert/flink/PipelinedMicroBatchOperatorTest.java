package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.LabelScore;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.testing.Fixtures;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestInfo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;

/**
 * The pipelined operator ({@link PipelinedMicroBatchOperator}): every test of the synchronous operator
 * ({@link MicroBatchingTests}) (flushes,
 * watermarks, barriers, exactly-once across a failure, dead letters, bisection, metrics, backpressure), then the
 * pipeline's own: input order with batches in flight, the bound on the records it holds under backpressure, and the
 * real model's results with a bad record among them.
 */
class PipelinedMicroBatchOperatorTest extends MicroBatchingTests {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = cluster(METRICS);

    @Override
    InMemoryReporter reporter() {
        return METRICS;
    }

    @Override
    MicroBatching.Builder<String, String> builder() {
        return MicroBatching.<String, String>builder().pipelined(true);
    }

    /** The buffer, one batch waiting for room and {@value MicroBatching#DEFAULT_BATCHES_IN_FLIGHT} in flight. */
    @Override
    long backlogBound(int batchSize) {
        return (long) (MicroBatching.DEFAULT_BATCHES_IN_FLIGHT + 1) * batchSize;
    }

    @Test
    void keepsInputOrderWithBatchesInFlight(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = AlbertOperatorsTest.env(1);
        DataStream<String> texts = env.fromSource(new DataGeneratorSource<>(index -> "t" + index, 2000, Types.STRING),
                WatermarkStrategy.noWatermarks(), "texts");

        Collected out = run(env, builder()
                .processor(UpperCaseProcessor.factory(key, false, 1)) // 1 ms per call: batches queue up behind it
                .outputType(Types.STRING)
                .maxBatchSize(8)
                .maxLinger(Duration.ofHours(1))
                .deadLetterFields(TEXT_FIELDS)
                .build()
                .apply(texts));

        assertEquals(LongStream.range(0, 2000).mapToObj(i -> "T" + i).toList(), out.results());
        assertEquals(List.of(), out.deadLetters());
        assertEquals(250, UpperCaseProcessor.calls(key).size());
        assertTrue(UpperCaseProcessor.calls(key).stream().allMatch(size -> size == 8), "full batches only");
    }

    @Test
    void holdsABoundedNumberOfRecordsBehindASlowSink(TestInfo test) throws Exception {
        String key = key(test);
        int batchSize = 8;
        int batchesInFlight = 3;
        StreamExecutionEnvironment env = AlbertOperatorsTest.env(1);
        DataStream<String> texts = env.fromSource(new DataGeneratorSource<>(index -> {
            UpperCaseProcessor.emitted(key);
            return "t" + index;
        }, Long.MAX_VALUE, Types.STRING), WatermarkStrategy.noWatermarks(), "fast");
        builder()
                .processor(UpperCaseProcessor.factory(key))
                .outputType(Types.STRING)
                .maxBatchSize(batchSize)
                .maxLinger(Duration.ofHours(1))
                .batchesInFlight(batchesInFlight)
                .name("held")
                .build()
                .apply(texts)
                .map(new SlowSink())
                .sinkTo(new DiscardingSink<>());

        JobClient job = env.executeAsync();
        try {
            awaitFinished(key, 400);
        } finally {
            job.cancel().get();
        }

        long bound = PipelinedMicroBatchOperator.recordBound(BatchPolicy.of(batchSize, Duration.ofHours(1),
                BatchPolicy.UNLIMITED_COST), batchesInFlight);
        assertEquals((batchesInFlight + 1) * batchSize, bound);
        Map<String, Metric> metrics = new TreeMap<>();
        reporter().getMetricsByGroup().forEach((group, byName) -> {
            String identifier = group.getMetricIdentifier("");
            if (identifier.contains(".held.") && identifier.endsWith("." + FlinkBatchMetrics.GROUP + ".")) {
                metrics.putAll(byName);
            }
        });
        long peak = ((Number) ((Gauge<?>) metrics.get("peakHeldRecords")).getValue()).longValue();
        assertTrue(peak <= bound, "the operator held " + peak + " records, more than " + bound);
        assertTrue(peak > batchSize, "batches were in flight behind the slow sink: peak " + peak);
        assertTrue(UpperCaseProcessor.maxBacklog(key) <= bound,
                "source ran ahead by " + UpperCaseProcessor.maxBacklog(key));
    }

    @Test
    void classifiesAsHuggingFaceWithABadRecordIsolated() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        List<TextEvent> events = new ArrayList<>();
        for (JsonNode record : expected) {
            events.add(TextEvent.newBuilder().setId(record.get("id").asText()).setText(record.get("text").asText())
                    .setTextPair(record.hasNonNull("text_pair") ? record.get("text_pair").asText() : null).build());
            if (events.size() == 5) {
                events.add(TextEvent.newBuilder().setId("broken").setText(null).build()); // mid-batch
            }
        }
        StreamExecutionEnvironment env = AlbertOperatorsTest.env(1);
        AlbertOperatorsTest.Collected<ClassificationResult> out = AlbertOperatorsTest.run(env, AlbertClassifier
                .builder().modelDirectory(dir).maxLength(128).maxBatchSize(8).flushBatches(1).pipelined(true)
                .build().apply(AlbertOperatorsTest.source(env, events)));

        List<String> order = new ArrayList<>();
        Map<String, ClassificationResult> byId = new HashMap<>();
        for (ClassificationResult result : out.results()) {
            order.add(result.getId());
            byId.put(result.getId(), result);
        }
        assertEquals(expected.stream().map(r -> r.get("id").asText()).toList(), order, "input order");
        List<String> labels = List.of("negative", "neutral", "positive");
        for (JsonNode record : expected) {
            String id = record.get("id").asText();
            ClassificationResult result = byId.get(id);
            assertEquals(record.get("predicted_label").asText(), result.getLabel(), id);
            Map<String, Float> scores = new HashMap<>();
            for (LabelScore score : result.getScores()) {
                scores.put(score.getLabel(), score.getScore());
            }
            for (int i = 0; i < labels.size(); i++) {
                assertEquals(record.get("probabilities").get(i).asDouble(), scores.get(labels.get(i)), 1e-5, id);
            }
        }
        assertEquals(1, out.deadLetters().size());
        DeadLetter deadLetter = out.deadLetters().get(0);
        assertEquals("broken", deadLetter.getId());
        assertEquals(FailureStage.TOKENIZE, deadLetter.getStage());
        assertEquals("the input text is null", deadLetter.getMessage());
    }

    @Test
    void buildRefusesPipelinedWithTheSharedBatcher() {
        IllegalArgumentException batching = assertThrows(IllegalArgumentException.class, () -> builder()
                .processor(UpperCaseProcessor.factory("refused")).outputType(Types.STRING)
                .sharedPerTaskManager("refused").build());
        assertTrue(batching.getMessage().contains("pipelined(true)"), batching.getMessage());
        IllegalArgumentException inFlight = assertThrows(IllegalArgumentException.class, () -> MicroBatching
                .<String, String>builder().processor(UpperCaseProcessor.factory("refused")).outputType(Types.STRING)
                .batchesInFlight(2).build());
        assertTrue(inFlight.getMessage().contains("set pipelined(true)"), inFlight.getMessage());
        IllegalArgumentException classifier = assertThrows(IllegalArgumentException.class, () -> AlbertClassifier
                .builder().modelDirectory(Path.of("m")).pipelined(true).sharedPerTaskManager("x").build());
        assertTrue(classifier.getMessage().contains("pipelined(true) and sharedPerTaskManager"),
                classifier.getMessage());
    }

    /** A sink slower than the model: it backpressures the operator. */
    private static final class SlowSink implements MapFunction<String, String> {
        @Override
        public String map(String value) throws Exception {
            Thread.sleep(1);
            return value;
        }
    }
}
