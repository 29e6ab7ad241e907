package dev.flinkalbert.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.EntityResult;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.cli.AlbertCli;
import dev.flinkalbert.flink.AlbertTokenClassifier;
import dev.flinkalbert.inference.EntityAggregation;
import dev.flinkalbert.kafka.EmbeddedKafkaBroker;
import dev.flinkalbert.pipeline.FailOnceAfterCheckpoint;
import dev.flinkalbert.pipeline.KafkaTopics;
import dev.flinkalbert.pipeline.PipelineStage;
import dev.flinkalbert.serde.KafkaRecordFormat;
import dev.flinkalbert.serde.WireFormat;
import dev.flinkalbert.testing.Fixtures;
import dev.flinkalbert.testing.PipelineEntities;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import picocli.CommandLine;

/**
 * Named entities from Kafka to Kafka with the tiny NER fixture on a real KRaft broker and a MiniCluster:
 * {@code ./albert ner} writes one EntityResult per event with the entities transformers' token-classification
 * pipeline found in its text, and dead letters with the reason for what cannot be read or tagged; the same pipeline
 * (through {@link JobAssembly}) writes each result and dead letter exactly once across a failure injected after a
 * checkpoint, as the pipeline test injects it.
 */
class NerJobTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final KafkaRecordFormat FORMAT = KafkaRecordFormat.builder()
            .format(WireFormat.AVRO_SINGLE_OBJECT).build();
    private static final String PAIR_REASON =
            "token classification tags one text, but the input has a text pair: use TextInput.of(text)";

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void tagsEveryEventAsThePipelineAndDeadLettersWhatCannotBeTagged() throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/tokcls");
        List<JsonNode> expected = Fixtures.jsonLines(model.resolve("pipeline-expected.jsonl"));
        Map<String, JsonNode> byId = new HashMap<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        SerializationSchema<TextEvent> events = FORMAT.serializer(TextEvent.class, "ner-in");
        for (JsonNode record : expected) {
            String id = record.get("index").asText();
            byId.put(id, record);
            TextEvent event = TextEvent.newBuilder().setId(id).setText(record.get("text").asText()).build();
            records.add(new ProducerRecord<>("ner-in", bytes(id), events.serialize(event)));
            if (records.size() == 10) {
                records.add(new ProducerRecord<>("ner-in", bytes("garbage"), bytes("not an Avro record")));
                records.add(new ProducerRecord<>("ner-in", bytes("no-text"),
                        events.serialize(TextEvent.newBuilder().setId("no-text").build())));
                records.add(new ProducerRecord<>("ner-in", bytes("pair"), events.serialize(TextEvent.newBuilder()
                        .setId("pair").setText("Ada Lovelace").setTextPair("lived in London").build())));
            }
        }
        for (String topic : List.of("ner-in", "ner-out", "ner-dead")) {
            broker.createTopic(topic, 2);
        }
        KafkaTopics.produce(broker.bootstrapServers(), records);

        StringWriter err = new StringWriter();
        int exit = execute(err, "ner",
                "--bootstrap-servers", broker.bootstrapServers(),
                "--input-topic", "ner-in", "--output-topic", "ner-out",
                "--dead-letter-topic", "ner-dead", "--group-id", "ner-test",
                "--model-dir", model.toString(), "--aggregation", "simple",
                "--format", "avro-single-object",
                "--batch-size", "8", "--checkpoint-interval", "200ms", "--parallelism", "2", "--bounded");
        assertEquals(0, exit, err.toString());

        Map<String, EntityResult> results = read("ner-out", EntityResult.class);
        assertEquals(byId.keySet(), results.keySet());
        List<String> nearTies = new ArrayList<>();
        results.forEach((id, result) -> {
            assertEquals("tokcls", result.getModelId());
            check(byId.get(id), "simple", result, nearTies);
        });
        System.out.println("near-tie records that differ (allowed): " + nearTies);

        Map<String, DeadLetter> deadLetters = read("ner-dead", DeadLetter.class);
        assertEquals(Set.of("garbage", "no-text", "pair"), deadLetters.keySet());
        assertEquals(FailureStage.DESERIALIZE, deadLetters.get("garbage").getStage());
        assertEquals("not an Avro record", new String(deadLetters.get("garbage").getOriginal().array(),
                StandardCharsets.UTF_8));
        assertEquals(FailureStage.TOKENIZE, deadLetters.get("no-text").getStage());
        assertEquals("the input text is null", deadLetters.get("no-text").getMessage());
        assertEquals(FailureStage.TOKENIZE, deadLetters.get("pair").getStage());
        assertEquals(PAIR_REASON, deadLetters.get("pair").getMessage());
    }

    @Test
    void writesEntityResultsAndDeadLettersExactlyOnceAcrossAFailure() throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/tokcls");
        List<JsonNode> expected = Fixtures.jsonLines(model.resolve("pipeline-expected.jsonl"));
        int n = 4 * expected.size();
        String name = "ner-exactly-once";
        broker.createTopic(name + "-in", 4);
        broker.createTopic(name + "-out", 3);
        broker.createTopic(name + "-dead", 1);
        SerializationSchema<TextEvent> events = FORMAT.serializer(TextEvent.class, name + "-in");
        List<ProducerRecord<byte[], byte[]>> input = new ArrayList<>();
        Set<String> poison = Set.of("no-text-1", "no-text-2");
        for (int i = 0; i < n; i++) {
            String id = "e" + i;
            TextEvent event = TextEvent.newBuilder().setId(id)
                    .setText(expected.get(i % expected.size()).get("text").asText()).build();
            input.add(new ProducerRecord<>(name + "-in", bytes(id), events.serialize(event)));
            if (i == n / 3 || i == 2 * n / 3) {
                String bad = i == n / 3 ? "no-text-1" : "no-text-2";
                input.add(new ProducerRecord<>(name + "-in", bytes(bad),
                        events.serialize(TextEvent.newBuilder().setId(bad).build())));
            }
        }
        KafkaTopics.produce(broker.bootstrapServers(), input);

        FailOnceAfterCheckpoint.reset();
        AlbertTokenClassifier tagger = AlbertTokenClassifier.builder().modelDirectory(model)
                .aggregation(EntityAggregation.FIRST).maxBatchSize(8).build();
        PipelineStage<EntityResult> tagging = JobAssembly.stage(tagger::apply);
        PipelineStage<EntityResult> failingStage = stream -> tagging.apply(
                stream.map(new FailOnceAfterCheckpoint(n / 10)).name("fail-once").uid("fail-once"));
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(200);
        JobAssembly.pipeline(failingStage, EntityResult.class, FORMAT, name + "-in", name + "-out", name + "-dead",
                        name)
                .setBootstrapServers(broker.bootstrapServers())
                .setBounded(OffsetsInitializer.latest())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .build()
                .addTo(env);
        env.execute(name);

        assertTrue(FailOnceAfterCheckpoint.FAILED.get(), "the injected failure never happened");
        assertTrue(FailOnceAfterCheckpoint.SEEN.get() > n + poison.size(),
                "no event was replayed after the failure: " + FailOnceAfterCheckpoint.SEEN.get());
        Map<String, EntityResult> results = read(name + "-out", EntityResult.class); // fails on a duplicate id
        assertEquals(n, results.size());
        List<String> nearTies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            EntityResult result = results.get("e" + i);
            assertTrue(result != null, "no result for e" + i);
            check(expected.get(i % expected.size()), "first", result, nearTies);
        }
        Map<String, DeadLetter> deadLetters = read(name + "-dead", DeadLetter.class);
        assertEquals(poison, deadLetters.keySet());
        deadLetters.values().forEach(d -> assertEquals("the input text is null", d.getMessage()));
    }

    private static void check(JsonNode record, String strategy, EntityResult result, List<String> nearTies) {
        List<String> problems = PipelineEntities.differences(record, strategy, result.getEntities());
        if (!problems.isEmpty() && PipelineEntities.nearTie(record)) {
            nearTies.add(result.getId() + ": " + problems.get(0));
        } else {
            assertEquals(List.of(), problems, strategy + " of " + result.getId());
        }
    }

    /** The committed records of {@code topic} by key, each key once. */
    private static <T extends org.apache.avro.specific.SpecificRecord> Map<String, T> read(String topic, Class<T> type)
            throws Exception {
        DeserializationSchema<T> format = FORMAT.deserializer(type);
        Map<String, T> byKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : KafkaTopics.readCommitted(broker.bootstrapServers(), topic)) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertEquals(null, byKey.put(key, format.deserialize(record.value())), "exactly once: " + key);
        }
        return byKey;
    }

    private static int execute(StringWriter err, String... args) {
        CommandLine cli = AlbertCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
