package dev.flinkalbert.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.cli.AlbertCli;
import dev.flinkalbert.kafka.EmbeddedKafkaBroker;
import dev.flinkalbert.pipeline.KafkaTopics;
import dev.flinkalbert.serde.KafkaRecordFormat;
import dev.flinkalbert.serde.WireFormat;
import dev.flinkalbert.testing.Fixtures;

import org.apache.flink.api.common.serialization.SerializationSchema;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import picocli.CommandLine;

/**
 * {@code ./albert classify} on a real KRaft broker and a MiniCluster with the tiny classification fixture: Avro
 * events in, one ClassificationResult per event out, labelled as Hugging Face labels them, committed exactly once;
 * an unreadable record and an event without text become dead letters. And misconfiguration stops it at start-up.
 */
class ClassifyJobTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final KafkaRecordFormat FORMAT = KafkaRecordFormat.builder()
            .format(WireFormat.AVRO_SINGLE_OBJECT).build();

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
    void classifiesEveryEventOnceAndDeadLettersPoisonPills() throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");
        Map<String, String> expectedLabels = new TreeMap<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        SerializationSchema<TextEvent> events = FORMAT.serializer(TextEvent.class, "classify-in");
        for (JsonNode record : Fixtures.jsonLines(model.resolve("expected.jsonl"))) {
            String id = record.get("id").asText();
            expectedLabels.put(id, record.get("predicted_label").asText());
            TextEvent event = TextEvent.newBuilder().setId(id).setText(record.get("text").asText())
                    .setTextPair(record.hasNonNull("text_pair") ? record.get("text_pair").asText() : null).build();
            records.add(new ProducerRecord<>("classify-in", bytes(id), events.serialize(event)));
            if (records.size() == 10) {
                records.add(new ProducerRecord<>("classify-in", bytes("garbage"), bytes("not an Avro record")));
                TextEvent noText = TextEvent.newBuilder().setId("no-text").build();
                records.add(new ProducerRecord<>("classify-in", bytes("no-text"), events.serialize(noText)));
            }
        }
        for (String topic : List.of("classify-in", "classify-out", "classify-dead")) {
            broker.createTopic(topic, 2);
        }
        KafkaTopics.produce(broker.bootstrapServers(), records);

        int exit = execute(new StringWriter(), "classify",
                "--bootstrap-servers", broker.bootstrapServers(),
                "--input-topic", "classify-in", "--output-topic", "classify-out",
                "--dead-letter-topic", "classify-dead", "--group-id", "classify-test",
                "--model-dir", model.toString(), "--max-length", "128",
                "--format", "avro-single-object",
                "--batch-size", "8", "--checkpoint-interval", "200ms", "--parallelism", "2", "--bounded");
        assertEquals(0, exit);

        Map<String, String> labels = new TreeMap<>();
        var results = FORMAT.deserializer(ClassificationResult.class);
        for (ConsumerRecord<byte[], byte[]> record : KafkaTopics.readCommitted(broker.bootstrapServers(), "classify-out")) {
            ClassificationResult result = results.deserialize(record.value());
            assertEquals(result.getId(), new String(record.key(), StandardCharsets.UTF_8));
            assertEquals(null, labels.put(result.getId(), result.getLabel()), "exactly once: " + result.getId());
            assertEquals("seqcls", result.getModelId());
        }
        assertEquals(expectedLabels, labels);

        Map<String, DeadLetter> deadLetters = new HashMap<>();
        var deadLetterFormat = FORMAT.deserializer(DeadLetter.class);
        for (ConsumerRecord<byte[], byte[]> record : KafkaTopics.readCommitted(broker.bootstrapServers(), "classify-dead")) {
            DeadLetter deadLetter = deadLetterFormat.deserialize(record.value());
            deadLetters.put(new String(record.key(), StandardCharsets.UTF_8), deadLetter);
        }
        assertEquals(2, deadLetters.size(), deadLetters.toString());
        assertEquals(FailureStage.DESERIALIZE, deadLetters.get("garbage").getStage());
        assertEquals("not an Avro record", new String(deadLetters.get("garbage").getOriginal().array(),
                StandardCharsets.UTF_8));
        assertEquals(FailureStage.TOKENIZE, deadLetters.get("no-text").getStage());
        assertEquals("the input text is null", deadLetters.get("no-text").getMessage());
    }

    @Test
    void refusesAnUnknownOptionAtStartUp() {
        StringWriter err = new StringWriter();
        assertEquals(2, execute(err, "classify", "--input-topic", "i", "--output-topic", "o",
                "--dead-letter-topic", "d", "--model-dir", "m", "--batch-sise", "8"));
        assertTrue(err.toString().contains("Unknown options: '--batch-sise'"), err.toString());
    }

    @Test
    void namesAMissingModelDirectoryAtStartUp() {
        StringWriter err = new StringWriter();
        assertEquals(2, execute(err, "classify", "--bootstrap-servers", broker.bootstrapServers(),
                "--input-topic", "i", "--output-topic", "o", "--dead-letter-topic", "d",
                "--format", "avro-single-object", "--model-dir", "no/such/model"));
        assertTrue(err.toString().contains("--model-dir no/such/model: ") && err.toString().contains("does not exist"),
                err.toString());
    }

    @Test
    void refusesAModelWithAnotherChecksumAtStartUp() {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");
        String notTheModel = "ab".repeat(32);
        StringWriter err = new StringWriter();
        assertEquals(2, execute(err, "classify", "--bootstrap-servers", broker.bootstrapServers(),
                "--input-topic", "i", "--output-topic", "o", "--dead-letter-topic", "d",
                "--format", "avro-single-object", "--model-dir", model.toString(), "--model-sha256", notTheModel));
        assertTrue(err.toString().contains("but " + notTheModel + " was expected")
                && err.toString().contains("sha256sum"), err.toString());
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
