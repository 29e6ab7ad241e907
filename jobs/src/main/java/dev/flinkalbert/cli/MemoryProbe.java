package dev.flinkalbert.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.flink.AlbertTransform;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * The measuring JVM of {@code ./albert bench memory}: {@link #run} (in the bench's JVM) starts it as a child process
 * with the same class path and a fixed, pre-touched heap; {@link #main} (in the child) runs one job on a MiniCluster
 * and reports this process's memory on stdout.
 *
 * <p>The child's job, all of it at {@link Plan#parallelism} and chained into one task per slot of a single
 * TaskManager with {@link Plan#slots} slots: the bench texts in an endless loop → the model's operator
 * ({@link Plan#transform}, as the jobs build it) → a sink that counts results. After the warm-up (at least
 * {@link Plan#warmUp} and {@link Plan#warmUpRecords} results) it samples {@code VmRSS}/{@code VmHWM}
 * ({@link ProcessMemory}) {@link Plan#samples} times, then for the soak if one is asked, then the heap used after a
 * full GC, and writes its figures as one line of JSON after {@code memory-probe-result:}. The ONNX Runtime sessions
 * opened and shared are counted from the session registry's log lines, the only place the product reports them
 * outside its package.
 *
 * <p>Why a child JVM per measurement: one process that ran the job at parallelism 1 and then at 4 would carry the
 * first run's heap, arenas and JIT-compiled code into the second; two fresh JVMs with the same class path and heap
 * start from the same baseline. The class path goes through {@code CLASSPATH}, not {@code -cp}, so that the child's
 * command line stays short (ONNX Runtime 1.29 crashes in processes with command lines over about 4 KB). The child
 * exits when its stdin reaches end of file, so it never outlives the bench that started it.
 */
public final class MemoryProbe {

    /** Prefix of the child's one line of figures. */
    static final String RESULT = "memory-probe-result: ";
    /** Prefix of each soak sample, written as it is taken so that the bench can show progress. */
    static final String SAMPLE = "memory-probe-sample: ";
    /** Prefix of the child's one-line reason for failing (the details are in its log). */
    static final String ERROR = "memory-probe-error: ";

    /** The logger of the session registry, whose INFO lines say when a session is opened, shared or closed. */
    static final String SESSIONS_LOGGER = "dev.flinkalbert.inference.SharedSessions";

    /** Longest wait for the warm-up's records beyond {@link Plan#warmUp}. */
    static final Duration WARM_UP_LIMIT = Duration.ofMinutes(10);

    private static final long POLL_MILLIS = 100;
    /** Longest wait for each step of stopping the measuring job and its cluster. */
    private static final long STOP_SECONDS = 30;

    /** Results counted by {@link CountingSink}: the MiniCluster runs in this JVM and loads this class once. */
    static final AtomicLong RESULTS = new AtomicLong();

    /**
     * What one child measures; written by the bench, read by the child (Java serialization: both run the same class
     * path, and the transform is {@link Serializable} as Flink ships it so anyway).
     *
     * @param transform the model's operator, as the jobs build it
     * @param texts the texts the source repeats
     * @param parallelism subtasks of every operator of the job
     * @param slots slots of the one TaskManager (the same for every child of a bench)
     * @param warmUp least time from the job's submission to the first sample
     * @param warmUpRecords least results before the first sample
     * @param samples memory samples after the warm-up; the median counts
     * @param sampleInterval time between samples
     * @param soak how long to go on sampling after them ({@link Duration#ZERO}: no soak)
     * @param soakInterval time between soak samples
     */
    record Plan(AlbertTransform<?, ?> transform, List<String> texts, int parallelism, int slots, Duration warmUp,
            long warmUpRecords, int samples, Duration sampleInterval, Duration soak, Duration soakInterval)
            implements Serializable {}

    /** Why a child did not report its figures. */
    static final class ProbeFailedException extends Exception {
        ProbeFailedException(String message) {
            super(message);
        }
    }

    private MemoryProbe() {}

    // ---- in the bench's JVM ----

    /** The JVM options of every child: a heap of {@code heap} ({@code -Xms} = {@code -Xmx}), all of it touched at start. */
    static List<String> jvmOptions(String heap) {
        List<String> options = new ArrayList<>(List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+AlwaysPreTouch"));
        String log4j = System.getProperty("log4j.configurationFile");
        if (log4j != null) {
            options.add("-Dlog4j.configurationFile=" + log4j);
        }
        return options;
    }

    /**
     * Runs {@code plan} in a child JVM with {@link #jvmOptions} and returns its figures; its stderr and other output
     * go to {@code log} (replaced), each soak sample to {@code onSample} as it comes.
     *
     * @throws ProbeFailedException when the child ends without figures (its reason, and where its log is)
     */
    static ObjectNode run(Plan plan, String heap, Path log, Consumer<JsonNode> onSample)
            throws IOException, InterruptedException, ProbeFailedException {
        Path planFile = Files.createTempFile("bench-memory-plan", ".ser");
        Process process = null;
        try {
            try (ObjectOutputStream out = new ObjectOutputStream(Files.newOutputStream(planFile))) {
                out.writeObject(plan);
            }
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions(heap));
            // A crash report goes beside the logs, not into whatever directory the bench was started from.
            command.add("-XX:ErrorFile=" + log.toAbsolutePath().getParent().resolve("hs_err_pid%p.log"));
            command.add(MemoryProbe.class.getName());
            command.add(planFile.toString());
            Files.createDirectories(log.toAbsolutePath().getParent());
            Files.deleteIfExists(log);
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
            process = builder.start();
            ObjectNode result = null;
            String error = null;
            try (BufferedReader lines = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    BufferedWriter other = Files.newBufferedWriter(log, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND)) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith(RESULT)) {
                        result = (ObjectNode) BenchFigures.JSON.readTree(line.substring(RESULT.length()));
                    } else if (line.startsWith(SAMPLE)) {
                        onSample.accept(BenchFigures.JSON.readTree(line.substring(SAMPLE.length())));
                    } else if (line.startsWith(ERROR)) {
                        error = line.substring(ERROR.length());
                    } else {
                        other.write(line);
                        other.newLine();
                        other.flush();
                    }
                }
            }
            int exit = process.waitFor();
            if (result == null || exit != 0) {
                // A JVM that crashed after its figures (exit 134: a native fault on the way out) fails the bench too.
                throw new ProbeFailedException("the measuring JVM (" + plan.parallelism() + " subtasks) "
                        + (error != null ? "failed: " + error : "exited with code " + exit
                                + (result == null ? " without figures" : " after its figures"))
                        + " (its log: " + log + ")");
            }
            return result;
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly(); // interrupted, or a line it wrote was not JSON
            }
            Files.deleteIfExists(planFile);
        }
    }

    // ---- in the child JVM ----

    /** The child: {@code MemoryProbe PLAN_FILE}, started by {@link #run}. */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: MemoryProbe PLAN_FILE (the measuring JVM of ./albert bench memory, which starts it)");
            System.exit(2);
        }
        exitWhenStdinCloses();
        try {
            Plan plan;
            Path planFile = Path.of(args[0]);
            try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(planFile))) {
                plan = (Plan) in.readObject();
            }
            Files.delete(planFile); // read once; nothing is left behind if the bench is killed
            emit(RESULT, measure(plan));
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace();
            System.out.println(ERROR + (e.getClass().getSimpleName() + ": " + e.getMessage()).replace('\n', ' '));
            System.out.flush();
            System.exit(1);
        }
    }

    private static ObjectNode measure(Plan plan) throws Exception {
        SessionLog sessions = SessionLog.install();
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(new Configuration())
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(plan.slots())
                .withRandomPorts()
                .build());
        cluster.start();
        try {
            return measure(plan, cluster, sessions);
        } finally {
            // The job is endless: cancel it and stop the cluster before the JVM exits. Exiting with a task thread
            // still inside OrtSession.run lets ONNX Runtime's exit-time teardown free what that call is using (a
            // SIGSEGV and an hs_err file in the working directory, seen at the end of a 4-subtask run).
            stop(cluster);
        }
    }

    private static ObjectNode measure(Plan plan, MiniCluster cluster, SessionLog sessions) throws Exception {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(new Configuration());
        env.setParallelism(plan.parallelism());
        DataStream<TextEvent> events = env.fromSequence(0, Long.MAX_VALUE)
                .map(new LoopedTexts(plan.texts()), new AvroTypeInfo<>(TextEvent.class))
                .name("bench-texts");
        countResults(plan.transform().apply(events));
        JobID job = cluster.submitJob(env.getStreamGraph()).get().getJobID();
        long start = System.nanoTime();

        long warmUpLimitNanos = plan.warmUp().plus(WARM_UP_LIMIT).toNanos();
        while (System.nanoTime() - start < plan.warmUp().toNanos() || RESULTS.get() < plan.warmUpRecords()) {
            if (System.nanoTime() - start > warmUpLimitNanos) {
                throw new IllegalStateException("the warm-up did not reach " + plan.warmUpRecords() + " results within "
                        + plan.warmUp().plus(WARM_UP_LIMIT).toSeconds() + " s (" + RESULTS.get()
                        + " so far): lower --warm-up-records");
            }
            Thread.sleep(POLL_MILLIS);
            requireRunning(cluster, job);
        }
        long warmedUp = System.nanoTime();
        long warmUpResults = RESULTS.get();

        List<ProcessMemory> samples = new ArrayList<>();
        for (int i = 0; i < plan.samples(); i++) {
            Thread.sleep(plan.sampleInterval().toMillis());
            requireRunning(cluster, job);
            samples.add(ProcessMemory.read());
        }

        ArrayNode soak = BenchFigures.JSON.createArrayNode();
        if (!plan.soak().isZero()) {
            long soakStart = System.nanoTime();
            long next = soakStart;
            while (next - soakStart <= plan.soak().toNanos()) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                requireRunning(cluster, job);
                ProcessMemory memory = ProcessMemory.read();
                ObjectNode sample = BenchFigures.JSON.createObjectNode()
                        .put("t_s", (System.nanoTime() - soakStart) / 1e9)
                        .put("rss_mib", memory.residentMib())
                        .put("hwm_mib", memory.peakResidentMib())
                        .put("results", RESULTS.get());
                soak.add(sample);
                emit(SAMPLE, sample);
                next += plan.soakInterval().toNanos();
            }
        }
        long sampled = System.nanoTime();
        long sampledResults = RESULTS.get();

        // After the RSS samples: a full GC can move pages, and the heap is pre-touched, so RSS does not see it.
        MemoryMXBean memoryBean = ManagementFactory.getMemoryMXBean();
        memoryBean.gc();
        long heapUsed = memoryBean.getHeapMemoryUsage().getUsed();

        double[] rss = samples.stream().mapToDouble(ProcessMemory::residentMib).toArray();
        ObjectNode result = BenchFigures.JSON.createObjectNode();
        result.put("parallelism", plan.parallelism());
        result.put("rss_mib", BenchFigures.median(rss));
        ArrayNode rssSamples = result.putArray("rss_samples_mib");
        for (double r : rss) {
            rssSamples.add(r);
        }
        result.put("hwm_mib", samples.get(samples.size() - 1).peakResidentMib());
        result.put("heap_used_after_gc_mib", heapUsed / (1024.0 * 1024.0));
        result.put("heap_max_mib", memoryBean.getHeapMemoryUsage().getMax() / (1024.0 * 1024.0));
        result.put("non_heap_used_mib", memoryBean.getNonHeapMemoryUsage().getUsed() / (1024.0 * 1024.0));
        result.put("direct_buffers_mib", directBufferBytes() / (1024.0 * 1024.0));
        result.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
        result.put("sessions_opened", sessions.opened.get());
        result.put("session_users", sessions.opened.get() + sessions.shared.get());
        result.put("warm_up_s", (warmedUp - start) / 1e9);
        result.put("warm_up_results", warmUpResults);
        result.put("results", sampledResults);
        result.put("results_per_s_while_sampling", (sampledResults - warmUpResults) / ((sampled - warmedUp) / 1e9));
        if (!soak.isEmpty()) {
            result.set("soak", soak);
        }
        return result;
    }

    /** Adds the counting sink (a method of its own to name the results' type). */
    private static <R> void countResults(SingleOutputStreamOperator<R> results) {
        results.sinkTo(new CountingSink<>()).name("count-results");
    }

    /** Cancels the cluster's running jobs, waits for them to end and closes the cluster, each step bounded. */
    private static void stop(MiniCluster cluster) {
        try {
            for (JobStatusMessage job : cluster.listJobs().get(STOP_SECONDS, TimeUnit.SECONDS)) {
                if (!job.getJobState().isGloballyTerminalState()) {
                    cluster.cancelJob(job.getJobId()).get(STOP_SECONDS, TimeUnit.SECONDS);
                }
                cluster.requestJobResult(job.getJobId()).get(STOP_SECONDS, TimeUnit.SECONDS);
            }
            cluster.closeAsync().get(STOP_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("bench memory: the measuring job did not stop within " + STOP_SECONDS + " s: " + e);
        }
    }

    private static void requireRunning(MiniCluster cluster, JobID job) throws Exception {
        JobStatus status = cluster.getJobStatus(job).get();
        if (status.isGloballyTerminalState()) {
            JobResult result = cluster.requestJobResult(job).get();
            Throwable cause = result.getSerializedThrowable()
                    .<Throwable>map(t -> t.deserializeError(MemoryProbe.class.getClassLoader()))
                    .orElse(null);
            throw new IllegalStateException("the job ended (" + status + ")"
                    + (cause == null ? "" : ": " + cause.getMessage()), cause);
        }
    }

    private static long directBufferBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }

    private static void emit(String prefix, JsonNode figures) throws IOException {
        System.out.println(prefix + BenchFigures.JSON.writeValueAsString(figures));
        System.out.flush();
    }

    /** The bench holds the child's stdin open while it runs: end of file means it is gone (or done with us). */
    private static void exitWhenStdinCloses() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // nothing is sent; wait for the end
                }
            } catch (IOException e) {
                // as gone
            }
            Runtime.getRuntime().halt(3);
        }, "bench-memory-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Event {@code i} of the source: the text {@code i mod n}. */
    private static final class LoopedTexts implements MapFunction<Long, TextEvent> {
        private final List<String> texts;

        LoopedTexts(List<String> texts) {
            this.texts = List.copyOf(texts);
        }

        @Override
        public TextEvent map(Long i) {
            return TextEvent.newBuilder().setId("m" + i).setText(texts.get((int) (i % texts.size()))).build();
        }
    }

    /** Counts results into {@link #RESULTS} and drops them. */
    private static final class CountingSink<T> implements Sink<T> {
        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context context) {
                    RESULTS.incrementAndGet();
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    /** Counts the session registry's "opened" and "sharing" lines (and lets them on to the log as well). */
    private static final class SessionLog extends AbstractAppender {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger shared = new AtomicInteger();

        private SessionLog() {
            super("bench-memory-sessions", null, null, true, Property.EMPTY_ARRAY);
        }

        static SessionLog install() {
            SessionLog appender = new SessionLog();
            appender.start();
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            org.apache.logging.log4j.core.config.Configuration config = context.getConfiguration();
            config.addAppender(appender);
            LoggerConfig logger = new LoggerConfig(SESSIONS_LOGGER, Level.INFO, true);
            logger.addAppender(appender, Level.INFO, null);
            config.addLogger(SESSIONS_LOGGER, logger);
            context.updateLoggers();
            return appender;
        }

        @Override
        public void append(LogEvent event) {
            String format = event.getMessage().getFormat();
            if (format == null) {
                return;
            }
            if (format.startsWith("Opened ONNX Runtime")) {
                opened.incrementAndGet();
            } else if (format.startsWith("Sharing the ONNX Runtime session")) {
                shared.incrementAndGet();
            }
        }
    }
}
