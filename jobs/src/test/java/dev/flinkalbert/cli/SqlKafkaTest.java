package dev.flinkalbert.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.kafka.EmbeddedKafkaBroker;
import dev.flinkalbert.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SQL script run by {@code ./albert sql} over a real KRaft broker: a Kafka source table (json) → ML_PREDICT with
 * the fixture classifier → a Kafka sink table, read back with a plain consumer and checked against Hugging Face's
 * reference labels and probabilities.
 */
class SqlKafkaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final float TOLERANCE = 1e-4f;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

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
    void kafkaTableThroughMlPredictIntoKafkaTable(@TempDir Path tmp) throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = new ArrayList<>();
        for (JsonNode record : Fixtures.jsonLines(model.resolve("expected.jsonl"))) {
            if (record.get("kind").asText().equals("single")) {
                expected.add(record);
            }
        }
        broker.createTopic("reviews", 2);
        broker.createTopic("predictions", 1);
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < expected.size(); i++) {
                producer.send(new ProducerRecord<>("reviews", JSON.writeValueAsString(
                        Map.of("id", i, "text", expected.get(i).get("text").asText()))));
            }
            producer.flush();
        }

        String kafka = "'connector' = 'kafka', 'properties.bootstrap.servers' = '" + broker.bootstrapServers()
                + "', 'format' = 'json'";
        Path script = tmp.resolve("classify.sql");
        Files.writeString(script, """
                -- reviews in, predictions out
                CREATE TABLE reviews (id INT, text STRING) WITH (%1$s, 'topic' = 'reviews',
                  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');
                CREATE TABLE predictions (id INT, label STRING, score FLOAT, scores MAP<STRING, FLOAT>)
                  WITH (%1$s, 'topic' = 'predictions');
                CREATE MODEL sentiment
                  INPUT (text STRING)
                  OUTPUT (label STRING, score FLOAT, scores MAP<STRING, FLOAT>)
                  WITH ('provider' = 'albert', 'model-directory' = '%2$s', 'max-length' = '128');
                INSERT INTO predictions
                  SELECT id, label, score, scores
                  FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(text),
                                  MAP['max-concurrent-operations', '32']);
                """.formatted(kafka, model));
        SqlCommand command = new SqlCommand();
        command.file = script.toString();
        command.mode = SqlCommand.Mode.STREAMING;
        command.parallelism = 2;
        assertEquals(0, command.call());

        Map<Integer, JsonNode> got = readAll("predictions", expected.size());
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            JsonNode row = got.get(i);
            String id = want.get("id").asText();
            assertEquals(want.get("predicted_label").asText(), row.get("label").asText(), id);
            float[] probabilities = {
                (float) row.get("scores").get("negative").asDouble(),
                (float) row.get("scores").get("neutral").asDouble(),
                (float) row.get("scores").get("positive").asDouble()};
            float[] reference = new float[3];
            for (int c = 0; c < 3; c++) {
                reference[c] = (float) want.get("probabilities").get(c).asDouble();
            }
            assertArrayEquals(reference, probabilities, TOLERANCE, id);
        }
    }

    @Test
    void jsonLinesOfAQuery(@TempDir Path tmp) throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");
        Path script = tmp.resolve("query.sql");
        Files.writeString(script, """
                SET 'table.exec.async-ml-predict.max-concurrent-operations' = '4';  -- the SQL client's SET
                CREATE MODEL m INPUT (text STRING) OUTPUT (label STRING)
                  WITH ('provider' = 'albert', 'model-directory' = '%s');
                CREATE TEMPORARY VIEW t AS SELECT 'ｈｅｌｌｏ' AS text;
                SELECT label FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(text));
                """.formatted(model));
        SqlCommand command = new SqlCommand();
        command.file = script.toString();
        command.mode = SqlCommand.Mode.STREAMING;
        command.json = true;
        command.parallelism = 1;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, command.call());
        } finally {
            System.setOut(saved);
        }
        // seqcls/expected.jsonl single-00
        assertEquals("{\"label\":\"neutral\"}", bytes.toString(StandardCharsets.UTF_8).strip());
    }

    /** The topic's records (json values) by id. */
    private static Map<Integer, JsonNode> readAll(String topic, int count) throws Exception {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        Map<Integer, JsonNode> rows = new HashMap<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (rows.size() < count) {
                assertTrue(System.nanoTime() < deadline, "timed out reading " + topic + ": " + rows.size());
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode value = JSON.readTree(record.value());
                    assertTrue(rows.put(value.get("id").asInt(), value) == null, "duplicate " + value);
                }
            }
        }
        return rows;
    }
}
