package dev.flinkalbert.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import dev.flinkalbert.kafka.EmbeddedKafkaBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./albert broker}: a single-node Kafka broker on 127.0.0.1 in the foreground, for local experiments. */
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a single-node Kafka broker (KRaft) on 127.0.0.1 until Ctrl-C, and prints its bootstrap address.",
            "For local experiments and demos only: one replica, no security.",
        })
final class BrokerCommand implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--port", defaultValue = "9092", description = "Client port; 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--controller-port", defaultValue = "0",
            description = "KRaft controller port; 0 for any free port (default: ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(names = "--log-dir", description = "Keep the broker's data here across runs (default: a temporary directory, deleted on exit).")
    Path logDir;

    @Option(names = "--topic", paramLabel = "NAME[:PARTITIONS]", split = ",",
            description = "Create these topics at start (default 1 partition), e.g. --topic texts:4,results:4.")
    List<String> topics = List.of();

    @Override
    public Integer call() throws InterruptedException {
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().port(port).controllerPort(controllerPort);
        if (logDir != null) {
            builder.logDir(logDir);
        }
        EmbeddedKafkaBroker broker = builder.build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "broker-shutdown"));
        try (var admin = broker.admin()) {
            var existing = admin.listTopics().names().get();
            for (String topic : topics) {
                String[] nameAndPartitions = topic.split(":", 2);
                if (!existing.contains(nameAndPartitions[0])) {
                    broker.createTopic(nameAndPartitions[0],
                            nameAndPartitions.length == 2 ? Integer.parseInt(nameAndPartitions[1]) : 1);
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("Could not list topics: " + e.getCause(), e);
        }
        System.out.println("Kafka broker running: bootstrap.servers=" + broker.bootstrapServers()
                + " (log dir " + broker.logDir() + "). Ctrl-C stops it.");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
