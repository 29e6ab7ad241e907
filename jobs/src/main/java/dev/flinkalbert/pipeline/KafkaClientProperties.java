package dev.flinkalbert.pipeline;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Kafka client settings for a pipeline's consumer and producers, read from one properties file in Kafka's own
 * format (as {@code kafka-console-consumer --consumer.config} takes), e.g. for a SASL_SSL cluster:
 *
 * <pre>{@code
 * bootstrap.servers=broker-1:9093,broker-2:9093
 * security.protocol=SASL_SSL
 * sasl.mechanism=SCRAM-SHA-512
 * sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="albert" password="…";
 * ssl.truststore.location=/etc/kafka/truststore.p12
 * consumer.max.poll.records=1000        # consumer only
 * producer.compression.type=zstd        # producers only
 * }</pre>
 *
 * <p>Keys without a prefix go to the consumer and the producers alike; {@value #CONSUMER_PREFIX} and
 * {@value #PRODUCER_PREFIX} keys go to one side only, with the prefix removed, and win over an unprefixed key.
 */
@PublicEvolving
public final class KafkaClientProperties implements Serializable {

    public static final String CONSUMER_PREFIX = "consumer.";
    public static final String PRODUCER_PREFIX = "producer.";

    private static final long serialVersionUID = 1L;

    /** Sorted, so that equal settings print equally. */
    private final TreeMap<String, String> settings;

    private KafkaClientProperties(Map<String, String> settings) {
        this.settings = new TreeMap<>(settings);
    }

    /** No settings. */
    public static KafkaClientProperties empty() {
        return new KafkaClientProperties(Map.of());
    }

    /** The given settings, prefixed keys included. */
    public static KafkaClientProperties of(Properties properties) {
        TreeMap<String, String> settings = new TreeMap<>();
        properties.stringPropertyNames().forEach(k -> settings.put(k, properties.getProperty(k)));
        return new KafkaClientProperties(settings);
    }

    /** Reads a properties file (UTF-8). */
    public static KafkaClientProperties load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("The Kafka client properties file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the Kafka client properties file " + file, e);
        }
        return of(properties);
    }

    /** The consumer's settings: unprefixed keys, then {@code consumer.} keys without their prefix. */
    public Properties consumer() {
        return side(CONSUMER_PREFIX);
    }

    /** The producers' settings: unprefixed keys, then {@code producer.} keys without their prefix. */
    public Properties producer() {
        return side(PRODUCER_PREFIX);
    }

    private Properties side(String prefix) {
        Properties props = new Properties();
        settings.forEach((k, v) -> {
            if (!k.startsWith(CONSUMER_PREFIX) && !k.startsWith(PRODUCER_PREFIX)) {
                props.setProperty(k, v);
            }
        });
        settings.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                props.setProperty(k.substring(prefix.length()), v);
            }
        });
        return props;
    }

    @Override
    public String toString() {
        // Never print values: they hold passwords.
        return "KafkaClientProperties" + settings.keySet();
    }
}
