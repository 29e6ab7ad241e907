package dev.flinkalbert.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.cli.AlbertCli;
import dev.flinkalbert.kafka.EmbeddedKafkaBroker;
import dev.flinkalbert.pipeline.KafkaTopics;
import dev.flinkalbert.serde.KafkaRecordFormat;
import dev.flinkalbert.serde.WireFormat;
import dev.flinkalbert.testing.Fixtures;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import picocli.CommandLine;

/**
 * Dead letters carry what a replay needs, from every stage: on a real KRaft broker and a MiniCluster, {@code
 * ./albert classify} reads JSON events; an unreadable record (DESERIALIZE) and an event whose text is null (TOKENIZE,
 * in the ALBERT operator) both come out with the record's topic, partition and offset and its key and value exactly
 * as they were produced, read back from the input topic. Once per subtask and once with the model shipped with the
 * job and the shared per-TaskManager batcher.
 */
class DeadLetterReplayTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final KafkaRecordFormat JSON = KafkaRecordFormat.builder().format(WireFormat.JSON).build();
    private static final int EVENTS = 8;

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
    void deadLettersFromReadingAndFromTokenizingCarryTheRecordAsProduced() throws Exception {
        runAndCheck("replay", List.of());
    }

    @Test
    void soDoTheyWithAShippedModelBehindTheSharedBatcher() throws Exception {
        runAndCheck("replay-shared", List.of("--ship-model", "--shared-batcher"));
    }

    private static void runAndCheck(String name, List<String> extraOptions) throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");
        String in = name + "-in";
        Map<String, String> expectedLabels = new TreeMap<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (JsonNode record : Fixtures.jsonLines(model.resolve("expected.jsonl")).subList(0, EVENTS)) {
            String id = record.get("id").asText();
            expectedLabels.put(id, record.get("predicted_label").asText());
            String json = "{\"id\":" + record.get("id") + ",\"text\":" + record.get("text")
                    + (record.hasNonNull("text_pair") ? ",\"text_pair\":" + record.get("text_pair") : "") + "}";
            records.add(new ProducerRecord<>(in, bytes(id), bytes(json)));
        }
        // Written by hand, as a person would: a text that is null, and a value that is no JSON at all.
        byte[] noText = bytes("{\"id\": \"no-text\", \"text\": null, \"attributes\": {\"origin\": \"hand\"}}");
        byte[] garbage = bytes("{not json");
        records.add(3, new ProducerRecord<>(in, bytes("no-text"), noText));
        records.add(5, new ProducerRecord<>(in, bytes("garbage"), garbage));
        for (String topic : List.of(in, name + "-out", name + "-dead")) {
            broker.createTopic(topic, 2);
        }
        KafkaTopics.produce(broker.bootstrapServers(), records);
        // The broker's own account of where each record landed, by key.
        Map<String, ConsumerRecord<byte[], byte[]>> produced = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : KafkaTopics.readCommitted(broker.bootstrapServers(), in)) {
            produced.put(new String(record.key(), StandardCharsets.UTF_8), record);
        }
        assertEquals(records.size(), produced.size());

        List<String> args = new ArrayList<>(List.of("classify",
                "--bootstrap-servers", broker.bootstrapServers(),
                "--input-topic", in, "--output-topic", name + "-out",
                "--dead-letter-topic", name + "-dead", "--group-id", name,
                "--model-dir", model.toString(), "--max-length", "128", "--format", "json",
                "--batch-size", "4", "--checkpoint-interval", "200ms", "--parallelism", "2", "--bounded"));
        args.addAll(extraOptions);
        StringWriter err = new StringWriter();
        assertEquals(0, execute(err, args.toArray(String[]::new)), err.toString());

        Map<String, String> labels = new TreeMap<>();
        var results = JSON.deserializer(ClassificationResult.class);
        for (ConsumerRecord<byte[], byte[]> record : KafkaTopics.readCommitted(broker.bootstrapServers(), name + "-out")) {
            ClassificationResult result = results.deserialize(record.value());
            assertNull(labels.put(result.getId(), result.getLabel()), "exactly once: " + result.getId());
        }
        assertEquals(expectedLabels, labels);

        Map<String, DeadLetter> deadLetters = new HashMap<>();
        var deadLetterFormat = JSON.deserializer(DeadLetter.class);
        for (ConsumerRecord<byte[], byte[]> record : KafkaTopics.readCommitted(broker.bootstrapServers(), name + "-dead")) {
            assertNull(deadLetters.put(new String(record.key(), StandardCharsets.UTF_8),
                    deadLetterFormat.deserialize(record.value())));
        }
        assertEquals(Map.of("garbage", FailureStage.DESERIALIZE, "no-text", FailureStage.TOKENIZE),
                Map.of("garbage", deadLetters.get("garbage").getStage(), "no-text", deadLetters.get("no-text").getStage()));
        assertEquals(2, deadLetters.size());
        assertEquals("the input text is null", deadLetters.get("no-text").getMessage());
        assertEquals("no-text", deadLetters.get("no-text").getId());
        assertReplayable(deadLetters.get("garbage"), produced.get("garbage"), garbage);
        assertReplayable(deadLetters.get("no-text"), produced.get("no-text"), noText);
    }

    /** The dead letter names the record where the broker put it and holds its key and value as produced. */
    private static void assertReplayable(DeadLetter deadLetter, ConsumerRecord<byte[], byte[]> record, byte[] value) {
        assertArrayEquals(value, array(deadLetter.getOriginal()), "the value as produced");
        assertArrayEquals(record.key(), array(deadLetter.getOriginalKey()), "the key as produced");
        assertEquals(record.topic(), deadLetter.getTopic());
        assertEquals(record.partition(), deadLetter.getPartition());
        assertEquals(record.offset(), deadLetter.getOffset());
    }

    private static int execute(StringWriter err, String... args) {
        CommandLine cli = AlbertCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static byte[] array(ByteBuffer buffer) {
        byte[] array = new byte[buffer.remaining()];
        buffer.duplicate().get(array);
        return array;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
