package dev.flinkalbert.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientPropertiesTest {

    @Test
    void splitsSharedConsumerAndProducerSettings(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, String.join("\n",
                "bootstrap.servers=b1:9093",
                "security.protocol=SASL_SSL",
                "sasl.jaas.config=secret-config",
                "consumer.max.poll.records=1000",
                "producer.compression.type=zstd",
                "producer.security.protocol=SSL"));
        KafkaClientProperties props = KafkaClientProperties.load(file);

        Properties consumer = props.consumer();
        assertEquals("b1:9093", consumer.getProperty("bootstrap.servers"));
        assertEquals("SASL_SSL", consumer.getProperty("security.protocol"));
        assertEquals("1000", consumer.getProperty("max.poll.records"));
        assertFalse(consumer.containsKey("compression.type"));
        assertFalse(consumer.containsKey("consumer.max.poll.records"));

        Properties producer = props.producer();
        assertEquals("zstd", producer.getProperty("compression.type"));
        assertEquals("SSL", producer.getProperty("security.protocol"), "the prefixed key wins");
        assertFalse(producer.containsKey("max.poll.records"));

        assertFalse(props.toString().contains("secret-config"), "values never printed: " + props);
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KafkaClientProperties.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
