package dev.flinkalbert.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running inside this JVM, bound to
 * 127.0.0.1 only. For tests, the embedded demo and {@code ./albert broker}; not for production data.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
 *         .port(0)                                   // 0: any free port (the default)
 *         .brokerProperty("message.max.bytes", "8388608")
 *         .build()
 *         .start()) {
 *     broker.createTopic("texts", 4);
 *     String bootstrap = broker.bootstrapServers();  // "127.0.0.1:40127"
 *     ...
 * }                                                  // stops the broker and deletes its temporary log dir
 * }</pre>
 *
 * <p>The settings suit one node: every replication factor and min ISR is 1 (internal topics included, so
 * transactions and consumer groups work), the group initial rebalance delay is 0, and
 * {@code transaction.max.timeout.ms} keeps Kafka's 15-minute default, so a Flink {@code KafkaSink} must set
 * {@code transaction.timeout.ms} at or below it, as against a production broker. Any broker setting can be
 * overridden with {@link Builder#brokerProperty}.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /** The only interface the broker listens on. */
    public static final String HOST = "127.0.0.1";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** Ports picked as "any free port" can be taken by another process before the broker binds them. */
    private static final int BIND_ATTEMPTS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final int port;
    private final int controllerPort;
    private final Path configuredLogDir;
    private final Map<String, String> overrides;
    private Path logDir;
    private boolean deleteLogDir;
    private KafkaRaftServer server;
    private int boundPort;

    private EmbeddedKafkaBroker(Builder settings) {
        this.port = settings.port;
        this.controllerPort = settings.controllerPort;
        this.configuredLogDir = settings.logDir;
        this.overrides = Map.copyOf(settings.overrides);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the log dir (when new) and starts the broker; returns once it accepts clients.
     *
     * @return this broker, for try-with-resources
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            throw new IllegalStateException("The broker is already running at " + bootstrapServers());
        }
        long started = System.nanoTime();
        try {
            logDir = configuredLogDir != null ? Files.createDirectories(configuredLogDir)
                    : Files.createTempDirectory("flinkalbert-kafka-");
            deleteLogDir = configuredLogDir == null;
            boolean fresh = !Files.exists(logDir.resolve("meta.properties"));
            for (int attempt = 1; ; attempt++) {
                int[] ports = choosePorts();
                int brokerPort = ports[0];
                int quorumPort = ports[1];
                KafkaConfig config = KafkaConfig.fromProps(serverProperties(brokerPort, quorumPort), false);
                if (fresh) {
                    format(config);
                    fresh = false;
                }
                ExitRequest exitRequest = new ExitRequest();
                try {
                    startServer(config, exitRequest);
                    boundPort = brokerPort;
                    break;
                } catch (RuntimeException e) {
                    shutdownQuietly();
                    boolean ephemeral = port == 0 || controllerPort == 0;
                    // Kafka reports a taken port either as a BindException or by asking to exit the process
                    boolean bindFailed = causedByBind(e) || exitRequest.requested();
                    if (!ephemeral || attempt == BIND_ATTEMPTS || !bindFailed) {
                        throw e;
                    }
                    LOG.info("Port taken before the broker bound it; trying other ports ({})", e.toString());
                }
            }
            awaitReady();
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("Could not prepare the Kafka log dir " + logDir, e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("Kafka broker started at {} in {} ms (log dir {})", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), logDir);
        return this;
    }

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        if (server == null) {
            throw new IllegalStateException("The broker is not running: call start() first");
        }
        return HOST + ":" + boundPort;
    }

    /** The directory holding the broker's data (and its KRaft metadata log). */
    public Path logDir() {
        return logDir;
    }

    /** Creates a topic with replication factor 1 and waits until it exists. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Creates a topic with replication factor 1 and the given topic settings (e.g. {@code max.message.bytes})
     * and waits until it exists.
     */
    public void createTopic(String name, int partitions, Map<String, String> topicConfig) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(topicConfig)))
                    .all().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not create topic " + name + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("Could not create topic " + name + ": " + e, e);
        }
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(props);
    }

    /** Stops the broker and deletes its log dir when it was a temporary one. */
    @Override
    public synchronized void close() {
        shutdownQuietly();
        if (deleteLogDir && logDir != null) {
            deleteRecursively(logDir);
            logDir = null;
        }
    }

    private Properties serverProperties(int brokerPort, int controllerPort) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        props.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        props.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
        props.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", BROKER_LISTENER);
        props.put("log.dirs", logDir.toString());
        // One node: every replicated topic, internal ones included, has a single replica.
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // Fewer internal partitions than Kafka's 50: created (and loaded) much faster, plenty for one node.
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("transaction.max.timeout.ms", "900000");
        props.put("group.initial.rebalance.delay.ms", "0");
        // Small thread pools and cleaner buffer: the broker shares the JVM with Flink on small machines.
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("background.threads", "2");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        props.putAll(overrides);
        return props;
    }

    /**
     * Starts the server with Kafka's exit and halt procedures turned into exceptions: a port taken between choosing it
     * and binding it makes Kafka call {@code Exit.exit}, which would end this whole JVM (a test run, the demo) instead
     * of letting {@link #start()} try other ports. The procedures are global, so they are swapped only for the
     * start-up and under one lock.
     */
    private void startServer(KafkaConfig config, ExitRequest exitRequest) {
        synchronized (EXIT_PROCEDURES) {
            Exit.setExitProcedure(exitRequest);
            Exit.setHaltProcedure(exitRequest);
            try {
                server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup();
            } finally {
                Exit.resetExitProcedure();
                Exit.resetHaltProcedure();
            }
        }
    }

    private static final Object EXIT_PROCEDURES = new Object();

    /** Kafka asking to end the process while the broker starts: recorded, and thrown back to the caller. */
    private static final class ExitRequest implements Exit.Procedure {
        private volatile String message;

        @Override
        public void execute(int statusCode, String why) {
            message = String.valueOf(why);
            throw new IllegalStateException("The Kafka broker failed to start (it asked to exit with status "
                    + statusCode + "): " + why);
        }

        boolean requested() {
            return message != null;
        }
    }

    private void format(KafkaConfig config) {
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(config.metadataLogDir())
                .addDirectory(logDir.toString());
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException("Could not format the Kafka log dir " + logDir + ": " + e, e);
        }
    }

    private void awaitReady() {
        try (Admin admin = admin()) {
            admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | InterruptedException | TimeoutException e) {
            throw new IllegalStateException("The Kafka broker did not answer within " + READY_TIMEOUT, e);
        }
    }

    private void shutdownQuietly() {
        if (server == null) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Kafka broker shut down with an error", e);
        }
        server = null;
    }

    private static boolean causedByBind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    /** The configured ports, free ones where 0: both sockets open at once, so the two free ports differ. */
    private int[] choosePorts() throws IOException {
        InetAddress host = InetAddress.getByName(HOST);
        try (ServerSocket a = new ServerSocket(0, 1, host); ServerSocket b = new ServerSocket(0, 1, host)) {
            return new int[] {port != 0 ? port : a.getLocalPort(), controllerPort != 0 ? controllerPort : b.getLocalPort()};
        }
    }

    private static void deleteRecursively(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("Could not delete the Kafka log dir {}", dir, e);
        }
    }

    /** Settings of an {@link EmbeddedKafkaBroker}; every one has a single-node default. */
    public static final class Builder {
        private int port;
        private int controllerPort;
        private Path logDir;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder() {}

        /** The client port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = checkPort(port, "port");
            return this;
        }

        /** The KRaft controller port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort, "controllerPort");
            return this;
        }

        /**
         * Keeps the broker's data in this directory, across restarts, and never deletes it. By default the
         * broker uses a new temporary directory, deleted at {@link #close()}.
         */
        public Builder logDir(Path logDir) {
            this.logDir = Objects.requireNonNull(logDir, "logDir");
            return this;
        }

        /** Sets any broker setting (server.properties key), overriding the single-node defaults. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public EmbeddedKafkaBroker build() {
            if (port != 0 && port == controllerPort) {
                throw new IllegalArgumentException(
                        "port and controllerPort are both " + port + ": give them different ports, or 0 for any");
            }
            return new EmbeddedKafkaBroker(this);
        }

        private static int checkPort(int port, String what) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(what + " must be 0 (any free port) or 1-65535, not " + port);
            }
            return port;
        }
    }
}
