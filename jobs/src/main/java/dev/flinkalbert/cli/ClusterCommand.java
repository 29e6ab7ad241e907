package dev.flinkalbert.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.flinkalbert.cluster.LocalFlinkCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./albert cluster start|stop|status|add-taskmanager|sql-gateway}: a Flink session cluster on this machine as
 * separate processes ({@link LocalFlinkCluster}), for trying the job jar as it runs in production.
 */
@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description = {
            "A local Flink session cluster as separate processes: one JobManager, N TaskManagers and a Kafka broker,",
            "all on 127.0.0.1, run from a Flink home laid out from Maven Central (jobs/flink-home/target/flink-home).",
            "Submit with its bin/flink: <home>/bin/flink run -d -c dev.flinkalbert.jobs.ClassifyJob <job jar> ...",
        },
        subcommands = {
            ClusterCommand.Start.class,
            ClusterCommand.Stop.class,
            ClusterCommand.Status.class,
            ClusterCommand.AddTaskManager.class,
            ClusterCommand.SqlGateway.class,
        })
final class ClusterCommand implements Runnable {

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code --home}, shared by every sub-command. */
    static final class HomeOption {
        @Option(names = "--home", paramLabel = "DIR",
                description = "The Flink home: conf/, log/, run/ (pid files), checkpoints/, kafka/"
                        + " (default: jobs/flink-home/target/flink-home)")
        Path home;

        LocalFlinkCluster.Builder builder() {
            LocalFlinkCluster.Builder builder = LocalFlinkCluster.builder();
            return home == null ? builder : builder.home(home);
        }

        LocalFlinkCluster attach() {
            return LocalFlinkCluster.attach(home != null ? home : builder().build().home());
        }
    }

    /** Runs an action; a cluster that cannot start or be found is one message on stderr and exit status 1. */
    static int orMessage(java.util.function.Supplier<LocalFlinkCluster> action) {
        try {
            print(action.get());
            return 0;
        } catch (IllegalStateException | IllegalArgumentException | java.io.UncheckedIOException e) {
            System.err.println("albert cluster: " + e.getMessage());
            return 1;
        }
    }

    static void print(LocalFlinkCluster cluster) {
        System.out.println("Flink home: " + cluster.home());
        cluster.status().forEach(System.out::println);
        System.out.println("Submit:     " + cluster.home().resolve("bin/flink")
                + " run -d -c dev.flinkalbert.jobs.ClassifyJob <job jar> --bootstrap-servers …");
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Starts the broker, the JobManager and the TaskManagers; returns when all have registered.")
    static final class Start implements Callable<Integer> {
        @Mixin HomeOption home;

        @Option(names = "--taskmanagers", defaultValue = "" + LocalFlinkCluster.DEFAULT_TASK_MANAGERS, paramLabel = "N",
                description = "TaskManager processes (default: ${DEFAULT-VALUE})")
        int taskManagers;

        @Option(names = "--slots", defaultValue = "" + LocalFlinkCluster.DEFAULT_SLOTS, paramLabel = "N",
                description = "Slots per TaskManager (default: ${DEFAULT-VALUE})")
        int slots;

        @Option(names = "--taskmanager-memory", defaultValue = LocalFlinkCluster.DEFAULT_TASK_MANAGER_MEMORY,
                paramLabel = "SIZE", description = "taskmanager.memory.process.size (default: ${DEFAULT-VALUE})")
        String taskManagerMemory;

        @Option(names = "--no-broker", description = "Start no Kafka broker")
        boolean noBroker;

        @Option(names = "--topic", split = ",", paramLabel = "NAME[:PARTITIONS]",
                description = "Topics the broker creates, e.g. --topic texts:2,labels:2,dead-letters")
        List<String> topics = List.of();

        @Override
        public Integer call() {
            return orMessage(() -> home.builder()
                    .taskManagers(taskManagers)
                    .slotsPerTaskManager(slots)
                    .taskManagerMemory(taskManagerMemory)
                    .broker(!noBroker)
                    .topics(topics.toArray(String[]::new))
                    .build()
                    .start());
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stops exactly the processes that 'start' started (pid files in <home>/run).")
    static final class Stop implements Callable<Integer> {
        @Mixin HomeOption home;

        @Override
        public Integer call() {
            return orMessage(() -> {
                LocalFlinkCluster cluster = home.attach();
                cluster.close();
                return cluster;
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "What runs: each process, its pid, the web UI, the broker and the Prometheus metrics URLs.")
    static final class Status implements Callable<Integer> {
        @Mixin HomeOption home;

        @Override
        public Integer call() {
            return orMessage(home::attach);
        }
    }

    @Command(name = "add-taskmanager", mixinStandardHelpOptions = true,
            description = "Starts one more TaskManager (e.g. to replace one that died).")
    static final class AddTaskManager implements Callable<Integer> {
        @Mixin HomeOption home;

        @Override
        public Integer call() {
            return orMessage(() -> {
                LocalFlinkCluster cluster = home.attach();
                System.out.println("started " + cluster.startTaskManager());
                return cluster;
            });
        }
    }

    @Command(name = "sql-gateway", mixinStandardHelpOptions = true,
            description = "Starts Flink's SQL Gateway (REST endpoint) against the running cluster.")
    static final class SqlGateway implements Callable<Integer> {
        @Mixin HomeOption home;

        @Override
        public Integer call() {
            return orMessage(() -> {
                LocalFlinkCluster cluster = home.attach();
                System.out.println("SQL Gateway: " + cluster.startSqlGateway());
                return cluster;
            });
        }
    }
}
