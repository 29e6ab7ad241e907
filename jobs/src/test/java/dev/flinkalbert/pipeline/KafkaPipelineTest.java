package dev.flinkalbert.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import dev.flinkalbert.flink.MicroBatching;
import dev.flinkalbert.inference.Outcome;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.kafka.EmbeddedKafkaBroker;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.formats.avro.AvroDeserializationSchema;
import org.apache.flink.formats.avro.AvroSerializationSchema;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The pipeline on a real KRaft broker and a real Flink MiniCluster (2 slots), one of each for the class. */
class KafkaPipelineTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final long EVENT_TIME_BASE = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** The stand-in for an ALBERT stage: a label anyone can check by hand, and a failure on request. */
    static ClassificationResult classify(TextEvent event) {
        if (event.getText().startsWith("FAIL")) {
            throw new IllegalArgumentException("cannot classify " + event.getId());
        }
        return ClassificationResult.newBuilder()
                .setId(event.getId())
                .setLabel(event.getText().toUpperCase())
                .setScore(1f)
                .setEventTime(event.getEventTime())
                .build();
    }

    private static PipelineStage<ClassificationResult> classifyStage() {
        return PipelineStage.recordWise("classify", ClassificationResult.class, FailureStage.INFERENCE,
                KafkaPipelineTest::classify);
    }

    private static TextEvent event(String id, String text, long eventTime) {
        return TextEvent.newBuilder().setId(id).setText(text).setEventTime(Instant.ofEpochMilli(eventTime)).build();
    }

    private static KafkaPipeline.Builder<ClassificationResult> pipeline(String name,
            DeserializationSchema<TextEvent> eventFormat, PipelineStage<ClassificationResult> stage) {
        return KafkaPipeline.<ClassificationResult>builder()
                .setBootstrapServers(broker.bootstrapServers())
                .setInputTopic(name + "-in")
                .setGroupId(name)
                .setBounded(OffsetsInitializer.latest())
                .setEventFormat(eventFormat)
                .setStage(stage)
                .setResultTopic(name + "-out")
                .setResultFormat(AvroSerializationSchema.forSpecific(ClassificationResult.class))
                .setDeadLetterTopic(name + "-dead")
                .setTransactionalIdPrefix(name);
    }

    private static StreamExecutionEnvironment environment(String restartStrategy) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, restartStrategy);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(200);
        return env;
    }

    private static <T> T decode(AvroDeserializationSchema<T> format, byte[] bytes) {
        try {
            return format.deserialize(bytes);
        } catch (IOException e) {
            throw new AssertionError("unreadable output record", e);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] array = new byte[buffer.remaining()];
        buffer.duplicate().get(array);
        return array;
    }

    // ---------------------------------------------------------------- exactly once, with a failure mid-stream

    @Test
    void exactlyOnceAcrossAFailureAndRestart() throws Exception {
        exactlyOnceAcrossAFailure("exactly-once", events -> classifyStage().apply(events));
    }

    /**
     * The same with the pipelined micro-batch operator: batches in flight on its inference thread are drained before
     * each barrier, so the transactions hold every result once.
     */
    @Test
    void exactlyOnceAcrossAFailureWithThePipelinedOperator() throws Exception {
        exactlyOnceAcrossAFailure("exactly-once-pipelined", events -> {
            SingleOutputStreamOperator<ClassificationResult> results = MicroBatching
                    .<TextEvent, ClassificationResult>builder()
                    .processor(() -> batch -> batch.stream().map(e -> Outcome.success(classify(e))).toList())
                    .outputType(TypeInformation.of(ClassificationResult.class))
                    .maxBatchSize(16)
                    .maxLinger(Duration.ofMillis(50))
                    .pipelined(true)
                    .name("classify")
                    .uid("classify")
                    .build()
                    .apply(events);
            return new StageOutput<>(results, results.getSideOutput(MicroBatching.DEAD_LETTERS));
        });
    }

    private void exactlyOnceAcrossAFailure(String name, PipelineStage<ClassificationResult> stage) throws Exception {
        int n = 2000;
        broker.createTopic(name + "-in", 4);
        broker.createTopic(name + "-out", 3);
        broker.createTopic(name + "-dead", 1);
        AvroSerializationSchema<TextEvent> eventBytes = AvroSerializationSchema.forSpecific(TextEvent.class);
        eventBytes.open(null);
        List<ProducerRecord<byte[], byte[]>> input = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "e" + i;
            input.add(new ProducerRecord<>(name + "-in", id.getBytes(StandardCharsets.UTF_8),
                    eventBytes.serialize(event(id, "text " + i, EVENT_TIME_BASE + i))));
        }
        KafkaTopics.produce(broker.bootstrapServers(), input);

        FailOnceAfterCheckpoint.reset();
        PipelineStage<ClassificationResult> failingStage = events -> stage
                .apply(events.map(new FailOnceAfterCheckpoint(n / 10)).name("fail-once").uid("fail-once"));
        StreamExecutionEnvironment env = environment("fixed-delay");
        pipeline(name, AvroDeserializationSchema.forSpecific(TextEvent.class), failingStage)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .build()
                .addTo(env);
        env.execute(name);

        assertTrue(FailOnceAfterCheckpoint.FAILED.get(), "the injected failure never happened");
        int seen = FailOnceAfterCheckpoint.SEEN.get();
        int seenAtFailure = FailOnceAfterCheckpoint.SEEN_AT_FAILURE.get();
        assertTrue(seen > n, "no event was replayed after the failure: " + seen);
        assertTrue(seen < seenAtFailure + n,
                "the job restarted from the beginning, not from its checkpoint: " + seen + " events seen");

        AvroDeserializationSchema<ClassificationResult> resultFormat =
                AvroDeserializationSchema.forSpecific(ClassificationResult.class);
        List<ConsumerRecord<byte[], byte[]>> output = KafkaTopics.readCommitted(broker.bootstrapServers(), name + "-out");
        Map<String, Integer> countById = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : output) {
            ClassificationResult result = decode(resultFormat, record.value());
            countById.merge(result.getId(), 1, Integer::sum);
            int i = Integer.parseInt(result.getId().substring(1));
            assertEquals("TEXT " + i, result.getLabel());
            assertEquals(result.getId(), new String(record.key(), StandardCharsets.UTF_8), "record key = event id");
            assertEquals(EVENT_TIME_BASE + i, record.timestamp(), "record timestamp = event time");
            assertEquals(Instant.ofEpochMilli(EVENT_TIME_BASE + i), result.getEventTime());
        }
        Set<String> expectedIds = IntStream.range(0, n).mapToObj(i -> "e" + i).collect(Collectors.toSet());
        assertEquals(expectedIds, countById.keySet(), "results missing or unexpected");
        assertEquals(Map.of(), countById.entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "duplicated results");
        assertEquals(n, output.size());
        assertEquals(List.of(), KafkaTopics.readCommitted(broker.bootstrapServers(), name + "-dead"));
    }

    // ---------------------------------------------------------------- poison pills

    @Test
    void everyBadRecordBecomesADeadLetterAndTheJobGoesOn() throws Exception {
        String name = "poison";
        Map<String, String> bigRecords = Map.of("max.message.bytes", Integer.toString(KafkaTopics.MAX_RECORD_BYTES));
        broker.createTopic(name + "-in", 3, bigRecords);
        broker.createTopic(name + "-out", 2);
        broker.createTopic(name + "-dead", 2, bigRecords);

        String in = name + "-in";
        List<ProducerRecord<byte[], byte[]>> input = new ArrayList<>();
        Set<String> validIds = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            String id = "ok" + i;
            validIds.add(id);
            input.add(new ProducerRecord<>(in, key(id), singleObject(event(id, "text " + i, EVENT_TIME_BASE + i))));
        }
        // Records the event format cannot read, by key: what each one is.
        Map<String, byte[]> unreadable = new HashMap<>();
        unreadable.put("garbage", "definitely not an Avro record".getBytes(StandardCharsets.UTF_8));
        DeadLetter otherSchema = DeadLetter.newBuilder().setStage(FailureStage.UNKNOWN).setErrorClass("x.Y")
                .setMessage("a record of another schema").setTime(Instant.ofEpochMilli(EVENT_TIME_BASE)).build();
        unreadable.put("other-schema", otherSchema.toByteBuffer().array());
        unreadable.put("empty", new byte[0]);
        unreadable.put("tombstone", null);
        byte[] fiveMegabytes = new byte[5 * 1024 * 1024];
        Arrays.fill(fiveMegabytes, (byte) 0xC3);
        unreadable.put("five-megabytes", fiveMegabytes);
        unreadable.forEach((what, value) -> input.add(new ProducerRecord<>(in, key(what), value)));
        // Events the stage fails on.
        Set<String> stageFailures = Set.of("fail-1", "fail-2");
        for (String id : stageFailures) {
            input.add(new ProducerRecord<>(in, key(id), singleObject(event(id, "FAIL " + id, EVENT_TIME_BASE))));
        }
        KafkaTopics.produce(broker.bootstrapServers(), input);

        Properties producer = new Properties();
        producer.setProperty("producer.max.request.size", Integer.toString(KafkaTopics.MAX_RECORD_BYTES));
        StreamExecutionEnvironment env = environment("none"); // any failure fails the test
        pipeline(name, new SingleObjectTextEvents(), classifyStage())
                .setKafkaProperties(KafkaClientProperties.of(producer))
                .setDeadLetterMaxOriginalBytes(KafkaTopics.MAX_RECORD_BYTES - 64 * 1024)
                .build()
                .addTo(env);
        env.execute(name);

        AvroDeserializationSchema<ClassificationResult> resultFormat =
                AvroDeserializationSchema.forSpecific(ClassificationResult.class);
        Set<String> resultIds = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : KafkaTopics.readCommitted(broker.bootstrapServers(), name + "-out")) {
            ClassificationResult result = decode(resultFormat, record.value());
            assertTrue(resultIds.add(result.getId()), "duplicate " + result.getId());
            assertEquals("TEXT " + result.getId().substring(2), result.getLabel());
        }
        assertEquals(validIds, resultIds);

        AvroDeserializationSchema<DeadLetter> deadLetterFormat = AvroDeserializationSchema.forSpecific(DeadLetter.class);
        Map<String, DeadLetter> deadLetters = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : KafkaTopics.readCommitted(broker.bootstrapServers(), name + "-dead")) {
            DeadLetter deadLetter = decode(deadLetterFormat, record.value());
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertNull(deadLetters.put(key, deadLetter), "two dead letters for " + key);
        }
        assertEquals(input.size(), resultIds.size() + deadLetters.size(), "results + dead letters = records in");
        Set<String> expectedKeys = new HashSet<>(unreadable.keySet());
        expectedKeys.addAll(stageFailures);
        assertEquals(expectedKeys, deadLetters.keySet());

        unreadable.forEach((what, value) -> {
            DeadLetter deadLetter = deadLetters.get(what);
            assertEquals(FailureStage.DESERIALIZE, deadLetter.getStage(), what);
            assertArrayEquals(value, bytes(deadLetter.getOriginal()), what + ": original bytes");
            assertEquals(in, deadLetter.getTopic(), what);
            assertTrue(deadLetter.getOffset() >= 0 && deadLetter.getPartition() >= 0, what);
            assertTrue(!deadLetter.getErrorClass().isEmpty() && !deadLetter.getMessage().isEmpty(), what);
        });
        assertTrue(deadLetters.get("tombstone").getMessage().contains("tombstone"));
        assertTrue(deadLetters.get("empty").getMessage().contains("empty"));
        assertEquals("org.apache.avro.message.MissingSchemaException", deadLetters.get("other-schema").getErrorClass());

        for (String id : stageFailures) {
            DeadLetter deadLetter = deadLetters.get(id);
            assertEquals(FailureStage.INFERENCE, deadLetter.getStage(), id);
            assertEquals(id, deadLetter.getId());
            assertEquals(IllegalArgumentException.class.getName(), deadLetter.getErrorClass());
            assertEquals("cannot classify " + id, deadLetter.getMessage());
            // The record as it was read, with where it was read: what a replay needs (not a re-encoding of the event).
            ProducerRecord<byte[], byte[]> produced = input.stream()
                    .filter(r -> Arrays.equals(r.key(), key(id))).findFirst().orElseThrow();
            assertArrayEquals(produced.value(), bytes(deadLetter.getOriginal()), id + ": original bytes");
            assertArrayEquals(key(id), bytes(deadLetter.getOriginalKey()), id + ": original key");
            assertEquals(in, deadLetter.getTopic(), id);
            assertTrue(deadLetter.getOffset() >= 0 && deadLetter.getPartition() >= 0, id);
        }
    }

    @Test
    void atLeastOnceWithoutCheckpointsAndDefaultDeadLetterLimit() throws Exception {
        String name = "at-least-once";
        broker.createTopic(name + "-in", 2, Map.of("max.message.bytes", Integer.toString(KafkaTopics.MAX_RECORD_BYTES)));
        broker.createTopic(name + "-out", 2);
        broker.createTopic(name + "-dead", 1); // Kafka's default 1 MB message limit
        List<ProducerRecord<byte[], byte[]>> input = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            input.add(new ProducerRecord<>(name + "-in", key("a" + i), singleObject(event("a" + i, "text " + i, EVENT_TIME_BASE))));
        }
        byte[] twoMegabytes = new byte[2 * 1024 * 1024];
        Arrays.fill(twoMegabytes, (byte) 0x01);
        input.add(new ProducerRecord<>(name + "-in", key("two-megabytes"), twoMegabytes));
        KafkaTopics.produce(broker.bootstrapServers(), input);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        pipeline(name, new SingleObjectTextEvents(), classifyStage())
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setTransactionalIdPrefix(null)
                .build()
                .addTo(env);
        env.execute(name);

        assertEquals(100, KafkaTopics.readCommitted(broker.bootstrapServers(), name + "-out").size());
        List<ConsumerRecord<byte[], byte[]>> dead = KafkaTopics.readCommitted(broker.bootstrapServers(), name + "-dead");
        assertEquals(1, dead.size());
        DeadLetter deadLetter = decode(AvroDeserializationSchema.forSpecific(DeadLetter.class), dead.get(0).value());
        int kept = KafkaPipeline.DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES;
        assertArrayEquals(Arrays.copyOf(twoMegabytes, kept), bytes(deadLetter.getOriginal()));
        assertTrue(deadLetter.getMessage().endsWith("[original truncated from 2097152 to " + kept + " bytes]"),
                deadLetter.getMessage());
    }

    private static byte[] key(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] singleObject(TextEvent event) {
        try {
            return bytes(event.toByteBuffer());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ---------------------------------------------------------------- settings

    @Test
    void buildNamesEveryMissingSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaPipeline.<ClassificationResult>builder().build());
        for (String setter : List.of("setBootstrapServers", "setInputTopic", "setGroupId", "setEventFormat",
                "setStage", "setResultTopic", "setResultFormat", "setDeadLetterTopic", "setTransactionalIdPrefix")) {
            assertTrue(e.getMessage().contains(setter), setter + " not named in: " + e.getMessage());
        }
    }

    @Test
    void refusesToReadUncommittedRecords() {
        Properties props = new Properties();
        props.setProperty("isolation.level", "read_uncommitted");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pipeline("x", new SingleObjectTextEvents(), classifyStage())
                        .setKafkaProperties(KafkaClientProperties.of(props)).build());
        assertTrue(e.getMessage().contains("isolation.level"), e.getMessage());
    }

    @Test
    void exactlyOnceNeedsCheckpointing() {
        KafkaPipeline<ClassificationResult> pipeline = pipeline("x", new SingleObjectTextEvents(), classifyStage()).build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pipeline.addTo(env));
        assertTrue(e.getMessage().contains("enableCheckpointing"), e.getMessage());
    }
}
