package dev.flinkalbert.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One real KRaft broker for the class: it binds loopback only and runs transactions. */
class EmbeddedKafkaBrokerTest {

    private static Set<String> listeningBefore;
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() throws IOException {
        listeningBefore = listeningSocketsOfThisProcess();
        broker = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void listensOnLoopbackOnly() throws IOException {
        // The build runs on Linux (as Flink's and Kafka's do): /proc/net lists this process's sockets.
        assertTrue(Files.isReadable(Path.of("/proc/net/tcp")), "this test lists sockets through Linux's /proc/net/tcp");
        Set<String> opened = listeningSocketsOfThisProcess();
        opened.removeAll(listeningBefore);
        // The client listener and the KRaft controller listener, both on 127.0.0.1.
        assertTrue(opened.size() >= 2, "expected the broker's two listeners, found " + opened);
        for (String address : opened) {
            assertTrue(address.startsWith("127.0.0.1:"), "broker listens on " + address + " (all: " + opened + ")");
        }
        String port = broker.bootstrapServers().substring(broker.bootstrapServers().lastIndexOf(':') + 1);
        assertTrue(opened.contains("127.0.0.1:" + port), opened + " lacks the bootstrap port " + port);
    }

    @Test
    void readCommittedConsumersSeeOnlyCommittedTransactions() {
        String topic = "transactions";
        broker.createTopic(topic, 2);
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "broker-test");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "a", "committed-1"));
            producer.send(new ProducerRecord<>(topic, "b", "committed-2"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "c", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "d", "committed-3"));
            producer.commitTransaction();
        }
        assertEquals(Set.of("committed-1", "committed-2", "committed-3"), Set.copyOf(readAll(topic, "read_committed")));
        List<String> uncommitted = readAll(topic, "read_uncommitted");
        assertEquals(4, uncommitted.size(), "read_uncommitted sees the aborted record too: " + uncommitted);
        assertTrue(uncommitted.contains("aborted"));
    }

    @Test
    void createdTopicsCarryTheirSettings() throws Exception {
        broker.createTopic("big-messages", 3, Map.of("max.message.bytes", "8388608"));
        try (Admin admin = broker.admin()) {
            assertEquals(3, admin.describeTopics(List.of("big-messages")).allTopicNames().get()
                    .get("big-messages").partitions().size());
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "big-messages");
            assertEquals("8388608", admin.describeConfigs(List.of(resource)).all().get()
                    .get(resource).get("max.message.bytes").value());
        }
    }

    private static List<String> readAll(String topic, String isolationLevel) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertTrue(System.nanoTime() < deadline, "timed out reading " + topic);
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    /** "ip:port" of every TCP socket this JVM listens on, from /proc/net/tcp{,6} and /proc/self/fd. */
    private static Set<String> listeningSocketsOfThisProcess() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException ignored) {
                    // the fd closed while listing
                }
            });
        }
        Set<String> listening = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.isReadable(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path).subList(1, Files.readAllLines(path).size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) {   // 0A: LISTEN
                    listening.add(decodeAddress(f[1]));
                }
            }
        }
        return listening;
    }

    /** /proc/net/tcp writes "0100007F:1F90" (little-endian IPv4) or 32 hex digits for IPv6. */
    private static String decodeAddress(String hex) {
        String[] parts = hex.split(":");
        int port = Integer.parseInt(parts[1], 16);
        String ip = parts[0];
        if (ip.length() == 8) {
            return Integer.parseInt(ip.substring(6, 8), 16) + "." + Integer.parseInt(ip.substring(4, 6), 16) + "."
                    + Integer.parseInt(ip.substring(2, 4), 16) + "." + Integer.parseInt(ip.substring(0, 2), 16) + ":" + port;
        }
        return (ip.equals("0000000000000000FFFF00000100007F") ? "127.0.0.1" : "[" + ip + "]") + ":" + port;
    }

    /**
     * A controller port that another process holds: Kafka asks to exit the JVM when it cannot bind; the broker turns
     * that into an exception for its caller (without the fix this test's JVM would end, failing the whole run).
     */
    @Test
    void aTakenControllerPortFailsTheStartNotTheJvm() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            EmbeddedKafkaBroker other = EmbeddedKafkaBroker.builder().controllerPort(taken.getLocalPort()).build();
            RuntimeException failure = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, other::start);
            String why = String.valueOf(failure.getMessage());
            assertTrue(why.contains("failed to start") || why.contains("Address already in use"), why);
        }
        // and this JVM's first broker is still serving
        try (Admin admin = broker.admin()) {
            assertFalse(admin.describeCluster().nodes().get().isEmpty());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
