package dev.flinkalbert.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.serde.KafkaRecordFormat;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes {@link SampleTexts} events to a Kafka topic at a steady rate, on its own thread, each stamped with the time
 * it was produced as its {@code event_time}; keyed by event id.
 *
 * <pre>{@code
 * try (SampleProducer producer = new SampleProducer(brokers, "texts", format, SampleTexts.load(),
 *         20.0, 1_000, sent -> {})) {
 *     producer.start();
 *     ...
 * }
 * }</pre>
 */
public final class SampleProducer implements AutoCloseable {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final String topic;
    private final SampleTexts samples;
    private final double eventsPerSecond;
    private final long limit;
    private final Consumer<TextEvent> onSend;
    private final KafkaProducer<String, TextEvent> producer;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopped;

    /**
     * @param bootstrapServers the Kafka cluster
     * @param topic where the events go
     * @param format how event values are written (the registry subject follows {@code topic})
     * @param samples the texts (and questions) to send, in turn
     * @param eventsPerSecond the rate
     * @param limit how many events in all ({@link Long#MAX_VALUE}: until closed)
     * @param onSend called with each event just before it is sent
     */
    public SampleProducer(String bootstrapServers, String topic, KafkaRecordFormat format, SampleTexts samples,
            double eventsPerSecond, long limit, Consumer<TextEvent> onSend) {
        if (!(eventsPerSecond > 0)) {
            throw new IllegalArgumentException("the rate must be above 0 events per second, got " + eventsPerSecond);
        }
        this.topic = Objects.requireNonNull(topic, "topic");
        this.samples = Objects.requireNonNull(samples, "samples");
        this.eventsPerSecond = eventsPerSecond;
        this.limit = limit;
        this.onSend = Objects.requireNonNull(onSend, "onSend");
        Properties config = new Properties();
        config.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        config.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
        this.producer = new KafkaProducer<>(config, new StringSerializer(), format.<TextEvent>kafkaSerializer());
        this.thread = new Thread(this::run, "sample-producer");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Events sent so far. */
    public long sent() {
        return sent.get();
    }

    /** Why the producer stopped early, if it did (a serializer or broker failure). */
    public Throwable failure() {
        return failure.get();
    }

    private void run() {
        long start = System.nanoTime();
        try {
            for (long n = 0; n < limit && !stopped; n++) {
                long due = start + (long) (n * 1e9 / eventsPerSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                TextEvent event = samples.event(n, Instant.now());
                onSend.accept(event);
                producer.send(new ProducerRecord<>(topic, event.getId(), event), (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
                sent.incrementAndGet();
                if (failure.get() != null) {
                    break;
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    /** Stops sending and closes the producer. */
    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(CLOSE_TIMEOUT);
    }
}
