package dev.flinkalbert.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A Flink session cluster on this machine as separate processes, laid out as the Flink distribution lays out a
 * Flink home: one JobManager ({@code StandaloneSessionClusterEntrypoint}), N TaskManagers ({@code TaskManagerRunner})
 * and a Kafka broker ({@code ./albert broker}) in their own JVMs, all bound to 127.0.0.1 on ports found free.
 *
 * <pre>{@code
 * try (LocalFlinkCluster cluster = LocalFlinkCluster.builder()
 *         .home(Path.of("target/my-cluster"))   // conf/, log/, run/, checkpoints/ (default: the built Flink home)
 *         .taskManagers(2)                       // default 2, with 2 slots each
 *         .topics("texts:2", "labels:2")         // created on the broker at start
 *         .build()
 *         .start()) {
 *     cluster.restUrl();                          // http://127.0.0.1:40123 (web UI and REST API)
 *     cluster.bootstrapServers();                 // 127.0.0.1:40125
 *     cluster.flinkCommand("run", "-d", "-c", "dev.flinkalbert.jobs.ClassifyJob", jar, ...);   // bin/flink
 *     cluster.killTaskManager("taskmanager-1");   // kill -9
 *     cluster.startTaskManager();                 // a replacement
 * }                                               // stops every process it started
 * }</pre>
 *
 * <p>{@code lib/} is the one the build assembles ({@code jobs/flink-home/target/flink-home/lib}: the Flink
 * distribution's runtime jars from Maven Central, ONNX Runtime, the Prometheus reporter); a home elsewhere gets
 * links to those jars unless it already has a {@code lib/}, which is then used as it is. {@link #start()} writes
 * {@code conf/config.yaml}, {@code conf/log4j.properties} and {@code bin/flink}, starts the processes (pid files in
 * {@code run/}, logs in {@code log/}) and returns when every TaskManager has registered. The state in
 * {@code run/} lets another JVM {@link #attach} to the running cluster: {@code ./albert cluster status|stop}.
 * {@link #close()} stops exactly the processes whose pid files it wrote, and only while each still runs from this
 * home (a pid reused by another program is left alone).
 */
public final class LocalFlinkCluster implements AutoCloseable {

    /** The only interface every process binds. */
    public static final String HOST = "127.0.0.1";
    /** Default TaskManagers and slots per TaskManager. */
    public static final int DEFAULT_TASK_MANAGERS = 2;
    public static final int DEFAULT_SLOTS = 2;
    /**
     * Default memory: small enough for 1 JobManager + 2 TaskManagers + a broker beside a build on a 2-core,
     * 24 GB machine. ONNX Runtime allocates its native memory outside Flink's budget.
     */
    public static final String DEFAULT_TASK_MANAGER_MEMORY = "1024m";
    public static final String DEFAULT_JOB_MANAGER_MEMORY = "1024m";
    public static final String BROKER_HEAP = "-Xmx512m";
    public static final String CLIENT_HEAP = "-Xmx768m";

    /**
     * What the distribution's config.yaml sets as {@code env.java.default-opts.all} for Java 17: Flink reflects into
     * these JDK packages (the client too: {@code DataStreamV2SinkTransformationTranslator} opens java.util).
     */
    static final List<String> JAVA_17_OPTIONS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    /** The Prometheus reporter conf/config.yaml names, and the jar in lib/ that holds it. */
    static final String PROMETHEUS_REPORTER_FACTORY = "dev.flinkalbert.metrics.HostBoundPrometheusReporterFactory";
    private static final String PROMETHEUS_REPORTER_JAR = "flink-albert-prometheus-reporter-";
    private static final String PROMETHEUS_FACTORY_KEY = "metrics.reporter.prom.factory.class";

    static final String JOB_MANAGER = "jobmanager";
    static final String TASK_MANAGER_PREFIX = "taskmanager-";
    static final String BROKER = "broker";
    static final String SQL_GATEWAY = "sql-gateway";
    private static final String STATE_FILE = "cluster.properties";
    /** Marks this home's processes, so that a pid reused by another program is never stopped. */
    private static final String HOME_MARKER = "-Dflinkalbert.cluster.home=";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path home;
    private final Path builtLib;
    private final Path launcherClassPath;
    private final int initialTaskManagers;
    private final int slots;
    private final String taskManagerMemory;
    private final String jobManagerMemory;
    private final boolean withBroker;
    private final List<String> topics;
    private final Map<String, String> extraConfig;
    private final Properties state = new Properties();
    private Thread stopOnExit;
    private int brokerOutputBefore;

    private LocalFlinkCluster(Builder b) {
        this.home = b.home.toAbsolutePath().normalize();
        this.builtLib = b.lib.toAbsolutePath().normalize();
        this.launcherClassPath = b.root.resolve("jobs/target");
        this.initialTaskManagers = b.taskManagers;
        this.slots = b.slots;
        this.taskManagerMemory = b.taskManagerMemory;
        this.jobManagerMemory = b.jobManagerMemory;
        this.withBroker = b.broker;
        this.topics = List.copyOf(b.topics);
        this.extraConfig = Map.copyOf(b.config);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The cluster whose state {@code home/run/} holds (started by another JVM), to query or stop it. */
    public static LocalFlinkCluster attach(Path home) {
        LocalFlinkCluster cluster = builder().home(home).build();
        Path file = cluster.run().resolve(STATE_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("No cluster was started from " + cluster.home + " (no " + file
                    + "): start one with './albert cluster start'");
        }
        try (InputStream in = Files.newInputStream(file)) {
            cluster.state.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        return cluster;
    }

    /**
     * Lays out the home, starts the broker, the JobManager and the TaskManagers, and returns when all TaskManagers
     * have registered. On any failure, stops what it started and throws, with the end of the failing process's log.
     */
    public synchronized LocalFlinkCluster start() {
        if (Files.exists(run().resolve(STATE_FILE)) && anyAlive(attach(home))) {
            throw new IllegalStateException("A cluster already runs from " + home
                    + ": stop it first ('./albert cluster stop --home " + home + "')");
        }
        try {
            layout();
            // The broker and the JobManager come up side by side, then all TaskManagers at once: on 2 cores this
            // halves the start-up time.
            Process broker = null;
            if (withBroker) {
                state.setProperty("broker.port", Integer.toString(freePort()));
                state.setProperty("broker.controller.port", Integer.toString(freePort()));
                broker = launchBroker();
            }
            Process jobManager = launchJobManager();
            if (broker != null) {
                awaitBroker(broker);
            }
            awaitRest(jobManager);
            startTaskManagers(initialTaskManagers);
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Stops every process of this cluster (also when the JVM exits, until {@link #close()}). */
    public LocalFlinkCluster stopOnExit() {
        if (stopOnExit == null) {
            stopOnExit = new Thread(this::stopAll, "local-flink-cluster-stop");
            Runtime.getRuntime().addShutdownHook(stopOnExit);
        }
        return this;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Layout

    private void layout() {
        try {
            for (String dir : List.of("conf", "log", "run", "bin", "tmp", "checkpoints", "plugins")) {
                Files.createDirectories(home.resolve(dir));
            }
            Path lib = home.resolve("lib");
            if (!Files.isDirectory(lib)) {
                linkJars(builtLib, lib);
            }
            Path opt = home.resolve("opt");
            Path builtOpt = builtLib.resolveSibling("opt");
            if (!Files.isDirectory(opt) && Files.isDirectory(builtOpt)) {
                linkJars(builtOpt, opt);
            }
            if (!Files.isDirectory(lib) || jars(lib).isEmpty()) {
                throw new IllegalStateException("No Flink jars in " + lib + ": build them with"
                        + " './mvnw -B package -DskipTests -pl jobs/flink-home -am' (they go to " + builtLib + ")");
            }
            if (PROMETHEUS_REPORTER_FACTORY.equals(extraConfig.getOrDefault(PROMETHEUS_FACTORY_KEY,
                    PROMETHEUS_REPORTER_FACTORY)) && jars(lib).stream()
                    .noneMatch(jar -> jar.getFileName().toString().startsWith(PROMETHEUS_REPORTER_JAR))) {
                String build = "'./mvnw -B package -DskipTests -pl jobs/flink-home -am'";
                throw new IllegalStateException(lib + " has no " + PROMETHEUS_REPORTER_JAR + "*.jar, the Prometheus"
                        + " reporter of conf/config.yaml: " + (lib.equals(builtLib) ? "build it with " + build
                        : "remove " + lib + " so that start links the jars of " + builtLib + " (built by " + build
                        + "), or copy that jar from there"));
            }
            state.setProperty("rest.port", Integer.toString(freePort()));
            state.setProperty("jobmanager.rpc.port", Integer.toString(freePort()));
            Files.writeString(conf().resolve("config.yaml"), configYaml(), StandardCharsets.UTF_8);
            copyResource("log4j.properties", conf().resolve("log4j.properties"));
            copyResource("log4j-cli.properties", conf().resolve("log4j-cli.properties"));
            Path flink = home.resolve("bin/flink");
            copyResource("flink", flink);
            Files.setPosixFilePermissions(flink, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lay out the Flink home " + home, e);
        }
    }

    private static void linkJars(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IllegalStateException("No Flink jars in " + from + ": build them with"
                    + " './mvnw -B package -DskipTests -pl jobs/flink-home -am'");
        }
        Files.createDirectories(to);
        for (Path jar : jars(from)) {
            Files.createSymbolicLink(to.resolve(jar.getFileName()), jar);
        }
    }

    private static List<Path> jars(Path dir) throws IOException {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jar")) {
            stream.forEach(jars::add);
        }
        jars.sort(null);
        return jars;
    }

    /** The cluster's configuration: every key in one place, flat keys as the distribution's config.yaml allows. */
    Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", HOST);
        c.put("jobmanager.rpc.port", state.getProperty("jobmanager.rpc.port"));
        c.put("jobmanager.bind-host", HOST);
        c.put("jobmanager.memory.process.size", jobManagerMemory);
        c.put("taskmanager.bind-host", HOST);
        c.put("taskmanager.host", HOST);
        c.put("taskmanager.numberOfTaskSlots", Integer.toString(slots));
        c.put("taskmanager.memory.process.size", taskManagerMemory);
        // Nothing here uses managed memory (no RocksDB, no batch operators); the ONNX sessions live outside Flink's
        // budget, so the JVM overhead and a little task off-heap (the encoders' direct buffers) are what matter.
        c.put("taskmanager.memory.managed.size", "0m");
        c.put("taskmanager.memory.task.off-heap.size", "64m");
        c.put("taskmanager.memory.network.min", "32m");
        c.put("taskmanager.memory.network.max", "64m");
        c.put("rest.address", HOST);
        c.put("rest.bind-address", HOST);
        c.put("rest.port", state.getProperty("rest.port"));
        c.put("blob.server.port", "0");
        c.put("parallelism.default", "1");
        c.put("io.tmp.dirs", home.resolve("tmp").toString());
        c.put("web.tmpdir", home.resolve("tmp").toString());
        c.put("state.backend.type", "hashmap");
        c.put("execution.checkpointing.dir", home.resolve("checkpoints").toUri().toString());
        c.put("restart-strategy.type", "fixed-delay");
        c.put("restart-strategy.fixed-delay.attempts", "30");
        c.put("restart-strategy.fixed-delay.delay", "2 s");
        // A killed TaskManager is noticed by its peers' broken connections at once; the heartbeat is the backstop.
        c.put("heartbeat.interval", "2000");
        c.put("heartbeat.timeout", "10000");
        // ONNX Runtime sits in lib/: loaded once per JVM by the parent class loader, even for the job jar's classes
        // (child-first), so that every job shares one native library and one OrtEnvironment.
        c.put("classloader.parent-first-patterns.additional", "ai.onnxruntime.");
        // Flink's own PrometheusReporterFactory takes no address and listens on every interface; this one (from
        // jobs/prometheus-reporter, in lib/) serves the same metrics on HOST only.
        c.put(PROMETHEUS_FACTORY_KEY, PROMETHEUS_REPORTER_FACTORY);
        c.put("metrics.reporter.prom.host", HOST);
        c.put("metrics.reporter.prom.port", "9249-9299"); // each process is given its own free port at start
        c.put("env.java.default-opts.all", String.join(" ", JAVA_17_OPTIONS)); // bin/flink reads it too
        c.putAll(extraConfig);
        return c;
    }

    private String configYaml() {
        StringBuilder yaml = new StringBuilder("# Written by ./albert cluster start (LocalFlinkCluster); rewritten at"
                + " every start.\n");
        config().forEach((k, v) -> yaml.append(k).append(": ").append(yamlValue(v)).append('\n'));
        return yaml.toString();
    }

    private static String yamlValue(String v) {
        return v.matches("[A-Za-z0-9_./:@=-][A-Za-z0-9_./:@= -]*") && !v.endsWith(" ") ? v : "'" + v.replace("'", "''") + "'";
    }

    private static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = LocalFlinkCluster.class.getResourceAsStream("/cluster/" + name)) {
            if (in == null) {
                throw new IllegalStateException("resource /cluster/" + name + " is missing from the class path");
            }
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Processes

    private Process launchJobManager() {
        Configuration flinkConf = Configuration.fromMap(config());
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(flinkConf);
        int metricsPort = freePort();
        List<String> jvm = words(JobManagerProcessUtils.generateJvmParametersStr(spec, flinkConf));
        List<String> args = new ArrayList<>(List.of("--configDir", conf().toString(),
                "-D", "metrics.reporter.prom.port=" + metricsPort));
        args.addAll(words(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        Process p = launch(JOB_MANAGER, jvm, "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                args, flinkClassPath());
        record(JOB_MANAGER, p.pid(), metricsPort);
        return p;
    }

    /**
     * Starts one more TaskManager (also a replacement for one that died) and returns its name once it has
     * registered with the JobManager.
     */
    public synchronized String startTaskManager() {
        return startTaskManagers(1).get(0);
    }

    /** Starts n TaskManagers side by side; returns their names once all have registered. */
    public synchronized List<String> startTaskManagers(int n) {
        Configuration flinkConf = Configuration.fromMap(config());
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(flinkConf);
        List<String> jvm = words(ProcessMemoryUtils.generateJvmParametersStr(spec));
        List<String> dynamic = words(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec));
        List<String> names = new ArrayList<>();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = 1;
            while (state.containsKey("process." + TASK_MANAGER_PREFIX + index + ".pid")) {
                index++;
            }
            String name = TASK_MANAGER_PREFIX + index;
            int metricsPort = freePort();
            List<String> args = new ArrayList<>(List.of("--configDir", conf().toString(),
                    "-D", "metrics.reporter.prom.port=" + metricsPort, "-D", "taskmanager.resource-id=" + name));
            args.addAll(dynamic);
            Process p = launch(name, jvm, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", args,
                    flinkClassPath());
            record(name, p.pid(), metricsPort);
            names.add(name);
            processes.add(p);
        }
        for (int i = 0; i < n; i++) {
            String id = "\"id\":\"" + names.get(i) + "\"";
            awaitCondition(processes.get(i), names.get(i), "to register with the JobManager",
                    () -> httpGet(restUrl() + "/taskmanagers").map(json -> json.contains(id)).orElse(false));
        }
        return names;
    }

    /** {@code kill -9} of a TaskManager: no shutdown, as a machine failure. Returns once the process is gone. */
    public void killTaskManager(String name) {
        ProcessHandle handle = ownProcess(name).orElseThrow(() -> new IllegalStateException(name + " is not running"));
        handle.destroyForcibly();
        handle.onExit().join();
    }

    /** Starts the broker (again, on the same ports and log directory) and returns when it accepts clients. */
    public synchronized void startBroker() {
        awaitBroker(launchBroker());
    }

    private Process launchBroker() {
        if (ownProcess(BROKER).isPresent()) {
            throw new IllegalStateException("The broker already runs (" + bootstrapServers() + ")");
        }
        Path classes = launcherClassPath.resolve("classes");
        Path classPathFile = launcherClassPath.resolve("launcher.classpath");
        if (!Files.isRegularFile(classPathFile)) {
            throw new IllegalStateException("The broker runs from the jobs module's class path, but " + classPathFile
                    + " is missing: build it with './mvnw -B install -DskipTests -pl jobs -am'");
        }
        List<String> args = new ArrayList<>(List.of("broker",
                "--port", state.getProperty("broker.port"),
                "--controller-port", state.getProperty("broker.controller.port"),
                "--log-dir", home.resolve("kafka").toString()));
        if (!topics.isEmpty()) {
            args.add("--topic");
            args.add(String.join(",", topics));
        }
        // The class path goes through an argument file: a short command line (see ONNX Runtime's 4 KB trap).
        Path argFile = run().resolve("broker.classpath");
        try {
            Files.writeString(argFile, "-cp\n\"" + classes + ":" + Files.readString(classPathFile).trim() + "\"\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        brokerOutputBefore = read(log(BROKER + ".out")).length();
        Process p = launch(BROKER, List.of(BROKER_HEAP, "@" + argFile), "dev.flinkalbert.cli.AlbertCli", args, null);
        record(BROKER, p.pid(), -1);
        return p;
    }

    private void awaitBroker(Process p) {
        // broker.out is appended to at every start: only what this start printed counts.
        int printedBefore = brokerOutputBefore;
        awaitCondition(p, BROKER, "to accept clients",
                () -> read(log(BROKER + ".out")).indexOf("Kafka broker running", printedBefore) >= 0);
    }

    /** Stops the broker (SIGTERM: a clean shutdown) and returns when it has exited; its log directory stays. */
    public synchronized void stopBroker() {
        stopProcess(BROKER);
    }

    /**
     * Starts Flink's SQL Gateway (from {@code opt/}) against this cluster, its REST endpoint on a free port, and
     * returns its URL when it answers.
     */
    public synchronized String startSqlGateway() {
        int port = freePort();
        state.setProperty("sql-gateway.port", Integer.toString(port));
        String classPath = flinkClassPath() + ":" + home.resolve("opt") + "/*";
        Process p = launch(SQL_GATEWAY, List.of(CLIENT_HEAP), "org.apache.flink.table.gateway.SqlGateway",
                List.of("-Dsql-gateway.endpoint.rest.address=" + HOST,
                        "-Dsql-gateway.endpoint.rest.bind-address=" + HOST,
                        "-Dsql-gateway.endpoint.rest.port=" + port), classPath);
        record(SQL_GATEWAY, p.pid(), -1);
        String url = sqlGatewayUrl().orElseThrow();
        awaitCondition(p, SQL_GATEWAY, "to answer", () -> httpGet(url + "/v1/info").isPresent());
        return url;
    }

    /**
     * A {@code bin/flink} command (Flink's own {@code CliFrontend}) for this cluster, e.g. {@code run -d -c
     * dev.flinkalbert.jobs.ClassifyJob job.jar --bootstrap-servers …}; the caller starts it.
     */
    public ProcessBuilder flinkCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/flink").toString()));
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return pb;
    }

    private Process launch(String name, List<String> jvmOptions, String mainClass, List<String> args, String classPath) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(JAVA_17_OPTIONS);
        command.add(HOME_MARKER + home);
        command.add("-Dlog.file=" + log(name + ".log"));
        command.add("-Dlog4j.configurationFile=" + conf().resolve("log4j.properties").toUri());
        if (classPath != null) {
            command.add("-cp");
            command.add(classPath);
        }
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name + ".out").toFile()));
        pb.environment().put("FLINK_CONF_DIR", conf().toString());
        pb.environment().put("FLINK_HOME", home.toString());
        pb.environment().put("FLINK_LIB_DIR", home.resolve("lib").toString());
        pb.environment().put("FLINK_OPT_DIR", home.resolve("opt").toString());
        pb.environment().put("FLINK_LOG_DIR", home.resolve("log").toString());
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + ": " + command, e);
        }
    }

    private String flinkClassPath() {
        return home.resolve("lib") + "/*";
    }

    private void record(String name, long pid, int metricsPort) {
        state.setProperty("process." + name + ".pid", Long.toString(pid));
        if (metricsPort > 0) {
            state.setProperty("process." + name + ".metrics.port", Integer.toString(metricsPort));
        }
        try {
            Files.writeString(run().resolve(name + ".pid"), pid + "\n");
            try (OutputStream out = Files.newOutputStream(run().resolve(STATE_FILE))) {
                state.store(out, "LocalFlinkCluster state: ports and pids of " + home);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the cluster state to " + run(), e);
        }
    }

    private void awaitRest(Process p) {
        awaitCondition(p, JOB_MANAGER, "to answer on " + restUrl(), () -> httpGet(restUrl() + "/overview").isPresent());
    }

    private void awaitCondition(Process p, String name, String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (!p.isAlive()) {
                throw new IllegalStateException(name + " exited with status " + p.exitValue() + " before it came up."
                        + " The end of " + log(name + ".out") + " and " + log(name + ".log") + ":\n"
                        + tail(log(name + ".out"), 20) + tail(log(name + ".log"), 30));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out after " + START_TIMEOUT.toSeconds() + " s waiting for "
                        + name + " " + what + "; see " + log(name + ".log"));
            }
            sleep(200);
        }
    }

    /** TaskManagers registered with the JobManager, from its REST API; 0 while it does not answer. */
    public int registeredTaskManagers() {
        return httpGet(restUrl() + "/overview").map(json -> intField(json, "taskmanagers")).orElse(0);
    }

    private static int intField(String json, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*(\\d+)").matcher(json);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** A GET on 127.0.0.1 that answered 200, or empty. */
    public static Optional<String> httpGet(String url) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    // ---------------------------------------------------------------------------------------------------------
    // Stopping

    /** Stops every process this cluster started (TaskManagers, JobManager, gateway, broker), each only if still its own. */
    @Override
    public synchronized void close() {
        stopAll();
        if (stopOnExit != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook itself is running
            }
            stopOnExit = null;
        }
    }

    private synchronized void stopAll() {
        List<String> order = new ArrayList<>();
        order.add(SQL_GATEWAY);
        order.addAll(processNames().stream().filter(n -> n.startsWith(TASK_MANAGER_PREFIX)).toList());
        order.add(JOB_MANAGER);
        order.add(BROKER);
        for (String name : order) {
            stopProcess(name);
        }
    }

    private void stopProcess(String name) {
        Optional<ProcessHandle> process = ownProcess(name);
        process.ifPresent(p -> {
            p.destroy();
            try {
                p.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
                p.onExit().join();
            }
        });
        try {
            Files.deleteIfExists(run().resolve(name + ".pid"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The live process of that name, if its pid still belongs to a process started from this home. */
    Optional<ProcessHandle> ownProcess(String name) {
        String pid = state.getProperty("process." + name + ".pid");
        if (pid == null) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(pid))
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(HOME_MARKER + home)).orElse(false));
    }

    private static boolean anyAlive(LocalFlinkCluster cluster) {
        return cluster.processNames().stream().anyMatch(n -> cluster.ownProcess(n).isPresent());
    }

    // ---------------------------------------------------------------------------------------------------------
    // What runs

    /** Names of every process this cluster started, running or not, in start order. */
    public List<String> processNames() {
        List<String> names = new ArrayList<>();
        for (String key : state.stringPropertyNames()) {
            Matcher m = Pattern.compile("process\\.(.+)\\.pid").matcher(key);
            if (m.matches()) {
                names.add(m.group(1));
            }
        }
        names.sort((a, b) -> Integer.compare(rank(a), rank(b)) != 0 ? Integer.compare(rank(a), rank(b)) : a.compareTo(b));
        return names;
    }

    private static int rank(String name) {
        return switch (name) {
            case BROKER -> 0;
            case JOB_MANAGER -> 1;
            case SQL_GATEWAY -> 3;
            default -> name.startsWith(TASK_MANAGER_PREFIX) ? 2 : 4;
        };
    }

    /** Running TaskManagers' names. */
    public List<String> runningTaskManagers() {
        return processNames().stream().filter(n -> n.startsWith(TASK_MANAGER_PREFIX))
                .filter(n -> ownProcess(n).isPresent()).collect(Collectors.toList());
    }

    /** One line per process: name, pid, running or not, and its URLs. */
    public List<String> status() {
        List<String> lines = new ArrayList<>();
        for (String name : processNames()) {
            Optional<ProcessHandle> p = ownProcess(name);
            StringBuilder line = new StringBuilder(String.format("%-15s pid %-8s %-8s", name,
                    state.getProperty("process." + name + ".pid"), p.isPresent() ? "running" : "stopped"));
            if (name.equals(JOB_MANAGER)) {
                line.append(" web UI ").append(restUrl());
            }
            if (name.equals(BROKER)) {
                line.append(" bootstrap.servers=").append(bootstrapServers())
                        .append(" (log dir ").append(home.resolve("kafka")).append(')');
            }
            if (name.equals(SQL_GATEWAY)) {
                line.append(" REST ").append(sqlGatewayUrl().orElse("?"));
            }
            metricsUrl(name).ifPresent(url -> line.append("  metrics ").append(url));
            lines.add(line.toString());
        }
        return lines;
    }

    public String restUrl() {
        return "http://" + HOST + ":" + state.getProperty("rest.port");
    }

    /** {@code 127.0.0.1:PORT} of the broker. */
    public String bootstrapServers() {
        String port = state.getProperty("broker.port");
        if (port == null) {
            throw new IllegalStateException("This cluster has no broker");
        }
        return HOST + ":" + port;
    }

    public Optional<String> sqlGatewayUrl() {
        return Optional.ofNullable(state.getProperty("sql-gateway.port")).map(p -> "http://" + HOST + ":" + p);
    }

    /** The Prometheus endpoint of a Flink process ({@code http://127.0.0.1:PORT/metrics}). */
    public Optional<String> metricsUrl(String name) {
        return Optional.ofNullable(state.getProperty("process." + name + ".metrics.port"))
                .map(p -> "http://" + HOST + ":" + p + "/metrics");
    }

    public Path home() {
        return home;
    }

    public Path conf() {
        return home.resolve("conf");
    }

    private Path run() {
        return home.resolve("run");
    }

    /** A file in the home's {@code log/}. */
    public Path log(String file) {
        return home.resolve("log").resolve(file);
    }

    /** Whether a process's log ({@code log/NAME.log} or {@code .out}) contains this text. */
    public boolean logContains(String name, String text) {
        return read(log(name + ".log")).contains(text) || read(log(name + ".out")).contains(text);
    }

    private static String read(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path file, int lines) {
        List<String> all = read(file).lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
    }

    private static List<String> words(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    /** A port free on 127.0.0.1 now (the OS's choice). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + HOST, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Settings of a {@link LocalFlinkCluster}; every one has a default. */
    public static final class Builder {
        private Path root = repositoryRoot();
        private Path home;
        private Path lib;
        private int taskManagers = DEFAULT_TASK_MANAGERS;
        private int slots = DEFAULT_SLOTS;
        private String taskManagerMemory = DEFAULT_TASK_MANAGER_MEMORY;
        private String jobManagerMemory = DEFAULT_JOB_MANAGER_MEMORY;
        private boolean broker = true;
        private final List<String> topics = new ArrayList<>();
        private final Map<String, String> config = new LinkedHashMap<>();

        private Builder() {}

        /** The repository whose build made the jars (default: the {@code flinkalbert.root} system property or "."). */
        public Builder repositoryRoot(Path root) {
            this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
            return this;
        }

        /** Where conf/, log/, run/ and checkpoints/ go (default: {@code jobs/flink-home/target/flink-home}). */
        public Builder home(Path home) {
            this.home = Objects.requireNonNull(home, "home");
            return this;
        }

        /** The jars for lib/ (default: {@code jobs/flink-home/target/flink-home/lib}, which the build assembles). */
        public Builder lib(Path lib) {
            this.lib = Objects.requireNonNull(lib, "lib");
            return this;
        }

        public Builder taskManagers(int taskManagers) {
            if (taskManagers < 0) {
                throw new IllegalArgumentException("taskManagers must be 0 or more, not " + taskManagers);
            }
            this.taskManagers = taskManagers;
            return this;
        }

        public Builder slotsPerTaskManager(int slots) {
            if (slots < 1) {
                throw new IllegalArgumentException("slotsPerTaskManager must be at least 1, not " + slots);
            }
            this.slots = slots;
            return this;
        }

        /** {@code taskmanager.memory.process.size}, e.g. {@code 1024m}. */
        public Builder taskManagerMemory(String size) {
            this.taskManagerMemory = Objects.requireNonNull(size, "size");
            return this;
        }

        /** Whether to run a Kafka broker process too (default true). */
        public Builder broker(boolean broker) {
            this.broker = broker;
            return this;
        }

        /** Topics ({@code NAME[:PARTITIONS]}) the broker creates at start. */
        public Builder topics(String... topics) {
            this.topics.addAll(List.of(topics));
            return this;
        }

        /** Any Flink setting for conf/config.yaml, over the defaults. */
        public Builder config(String key, String value) {
            config.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public LocalFlinkCluster build() {
            Path builtHome = root.resolve("jobs/flink-home/target/flink-home");
            if (home == null) {
                home = builtHome;
            }
            if (lib == null) {
                lib = builtHome.resolve("lib");
            }
            return new LocalFlinkCluster(this);
        }

        private static Path repositoryRoot() {
            String root = System.getProperty("flinkalbert.root");
            return Path.of(root == null || root.isBlank() ? "." : root).toAbsolutePath().normalize();
        }
    }
}
