package dev.flinkalbert.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.flinkalbert.demo.SampleProducer;
import dev.flinkalbert.demo.SampleTexts;
import dev.flinkalbert.serde.KafkaRecordFormat;
import dev.flinkalbert.serde.SerdeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./albert produce}: the demo's sample texts into a Kafka topic as {@code TextEvent}s, at a steady rate, in
 * any of the record formats. Also a {@code main} of its own, so that it runs from the job jar with only Flink's
 * {@code lib/} beside it (the sample producer of {@code docker-compose.yml}), without the whole command line's
 * dependencies.
 */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = "Writes the demo's sample texts to a Kafka topic as TextEvent records at a steady rate.")
public final class ProduceCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT", description = "The Kafka cluster")
    String bootstrapServers;

    @Option(names = "--topic", required = true, description = "Where the events go")
    String topic;

    @Option(names = "--rate", defaultValue = "10", paramLabel = "N", description = "Events per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--events", defaultValue = "0", paramLabel = "N",
            description = "How many events in all; 0 runs until stopped (default: ${DEFAULT-VALUE})")
    long events;

    @Option(names = "--format", defaultValue = SerdeOptions.DEFAULT_FORMAT, paramLabel = "FORMAT",
            description = "avro-confluent, avro-single-object or json (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Needed by avro-confluent")
    String schemaRegistryUrl;

    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new ProduceCommand()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> options = new LinkedHashMap<>();
        options.put(SerdeOptions.FORMAT, format);
        if (schemaRegistryUrl != null) {
            options.put(SerdeOptions.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        }
        KafkaRecordFormat recordFormat = KafkaRecordFormat.fromMap(options);
        CountDownLatch done = new CountDownLatch(1);
        long limit = events == 0 ? Long.MAX_VALUE : events;
        SampleProducer producer = new SampleProducer(bootstrapServers, topic, recordFormat, SampleTexts.load(), rate,
                limit, event -> {});
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            producer.close();
            done.countDown();
        }, "produce-shutdown"));
        producer.start();
        System.out.printf("Producing sample texts to %s at %s (%.1f/s, %s)%n", topic, bootstrapServers, rate, recordFormat);
        while (producer.sent() < limit && producer.failure() == null && !done.await(1, TimeUnit.SECONDS)) {
            Thread.onSpinWait();   // until all are sent, one fails, or Ctrl-C
        }
        producer.close();
        if (producer.failure() != null) {
            System.err.println("Producing failed: " + producer.failure());
            return 1;
        }
        System.out.println(producer.sent() + " events sent");
        return 0;
    }
}
