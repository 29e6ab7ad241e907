package dev.flinkalbert.demo;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.EmbeddingResult;
import dev.flinkalbert.avro.EntityResult;
import dev.flinkalbert.avro.NamedEntity;
import dev.flinkalbert.avro.QaAnswer;
import dev.flinkalbert.flink.AlbertAnswerer;
import dev.flinkalbert.flink.AlbertTransform;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.jobs.JobAssembly;
import dev.flinkalbert.jobs.OperatorOptions;
import dev.flinkalbert.kafka.EmbeddedKafkaBroker;
import dev.flinkalbert.serde.KafkaRecordFormat;
import dev.flinkalbert.serde.WireFormat;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./albert demo}: everything in one process. An in-process Kafka broker, a Flink MiniCluster with its web UI
 * on 127.0.0.1, sample texts produced at a steady rate into a topic, the ALBERT job (Avro in, Avro out, exactly
 * once) and a reader that prints each result as it is committed, with a periodic line of throughput, batch size
 * and end-to-end latency (event time → result read). The job is assembled as the ready-made jobs are
 * ({@link JobAssembly}), with the operator of the chosen head ({@link AlbertTransform#builder(ModelTask)}).
 *
 * <pre>{@code
 * Demo.Settings settings = Demo.Settings.defaults(ModelTask.CLASSIFICATION, Path.of("model/demo-model")).withEvents(200);
 * try (Demo demo = new Demo(settings, System.out)) {
 *     int exitCode = demo.run();   // returns after 200 results, with a summary
 * }
 * }</pre>
 *
 * <p>{@link #close()} (also from a shutdown hook, for Ctrl-C) stops the producer, cancels the job, which ends the
 * MiniCluster, and closes the broker; it is safe to call twice and from another thread than {@link #run()}.
 */
public final class Demo implements AutoCloseable {

    /**
     * The demo's settings.
     *
     * @param task which head runs
     * @param modelDirectory the ALBERT export ({@code model.onnx}, {@code config.json}, {@code spiece.model})
     * @param eventsPerSecond how fast sample events are produced
     * @param results stop after this many results (0: run until Ctrl-C)
     * @param operator the operator options the jobs have too (batching, device, threads; unset ones at the
     *     operator's defaults)
     * @param checkpointInterval how often results are committed (exactly-once results appear on commit)
     * @param webUiPort the port wanted for Flink's web UI (another free one if taken)
     * @param reportInterval how often the figures line is printed
     */
    public record Settings(ModelTask task, Path modelDirectory, double eventsPerSecond, long results,
            OperatorOptions operator, Duration checkpointInterval, int webUiPort, Duration reportInterval) {

        public static final double DEFAULT_EVENTS_PER_SECOND = 10;
        public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
        public static final int DEFAULT_WEB_UI_PORT = 8081;
        public static final Duration DEFAULT_REPORT_INTERVAL = Duration.ofSeconds(5);

        public Settings {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(modelDirectory, "modelDirectory");
            Objects.requireNonNull(operator, "operator");
            if (!(eventsPerSecond > 0)) {
                throw new IllegalArgumentException("--rate must be above 0 events per second, got " + eventsPerSecond);
            }
            if (results < 0) {
                throw new IllegalArgumentException("--events must be 0 (run until Ctrl-C) or more, got " + results);
            }
        }

        /** The operator's defaults (CPU, one thread) and this class's other defaults; unbounded. */
        public static Settings defaults(ModelTask task, Path modelDirectory) {
            return new Settings(task, modelDirectory, DEFAULT_EVENTS_PER_SECOND, 0, new OperatorOptions(),
                    DEFAULT_CHECKPOINT_INTERVAL, DEFAULT_WEB_UI_PORT, DEFAULT_REPORT_INTERVAL);
        }

        public Settings withEvents(long results) {
            return new Settings(task, modelDirectory, eventsPerSecond, results, operator, checkpointInterval,
                    webUiPort, reportInterval);
        }
    }

    public static final String INPUT_TOPIC = "albert-demo-texts";
    public static final String RESULT_TOPIC = "albert-demo-results";
    public static final String DEAD_LETTER_TOPIC = "albert-demo-dead-letters";
    /** The demo's records are Avro with single-object encoding: the in-process demo has no schema registry. */
    public static final WireFormat WIRE_FORMAT = WireFormat.AVRO_SINGLE_OBJECT;

    private static final Logger LOG = LoggerFactory.getLogger(Demo.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(30);
    private static final int TEXT_WIDTH = 60;
    /** Ports after the wanted one the web UI may take when it is in use. */
    private static final int WEB_UI_PORTS_TRIED = 100;
    /** How many produced events are remembered for printing their text beside the result. */
    private static final int TEXTS_REMEMBERED = 10_000;

    private final Settings settings;
    private final PrintStream out;
    private final KafkaRecordFormat format = KafkaRecordFormat.builder().format(WIRE_FORMAT).build();
    private final Map<String, String> textsById = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > TEXTS_REMEMBERED;
        }
    });
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();

    private volatile boolean stopping;
    private volatile KafkaConsumer<String, byte[]> consumer;
    // Set by run(), read by close(), which a shutdown hook may call from another thread.
    private volatile AlbertModel model;
    private volatile EmbeddedKafkaBroker broker;
    private volatile MiniCluster cluster;
    private volatile JobClient job;
    private volatile SampleProducer producer;
    private volatile AlbertTransform<?, ?> transform;

    public Demo(Settings settings, PrintStream out) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * Starts everything and prints results until {@link Settings#results} have been read (then a summary) or until
     * {@link #close()}.
     *
     * @return 0 when done (or stopped), 1 when the job or the producer failed, or fewer results than asked arrived
     */
    public int run() throws Exception {
        try {
            return startAndRead();
        } finally {
            close();
        }
    }

    private int startAndRead() throws Exception {
        long started = System.nanoTime();
        LOG.info("Starting the demo: {}", settings);   // also sets up logging before the start-up threads log
        SampleTexts samples = SampleTexts.load();
        AlbertTransform<?, ?> transform = transform(samples);
        this.transform = transform;
        // The broker and the cluster take seconds each to start: start both while the model opens.
        CompletableFuture<EmbeddedKafkaBroker> startingBroker =
                CompletableFuture.supplyAsync(() -> EmbeddedKafkaBroker.builder().build().start());
        CompletableFuture<MiniCluster> startingCluster = CompletableFuture.supplyAsync(this::startCluster);
        try {
            model = transform.open();   // fails here, naming the fix, when the model does not fit
            out.printf("model:     %s (%s%s, %s)%n", model.directory(), model.task(),
                    model.labels().isEmpty() ? "" : " " + model.labels(), model.device());
        } finally {
            // kept even when something else failed, so that close() stops them
            broker = startingBroker.exceptionally(e -> null).get();
            cluster = startingCluster.exceptionally(e -> null).get();
        }
        await(startingBroker);
        await(startingCluster);
        for (String topic : List.of(INPUT_TOPIC, RESULT_TOPIC, DEAD_LETTER_TOPIC)) {
            broker.createTopic(topic, 1);
        }
        out.printf("kafka:     %s  topics %s → %s (dead letters: %s), Avro %s, exactly-once%n",
                broker.bootstrapServers(), INPUT_TOPIC, RESULT_TOPIC, DEAD_LETTER_TOPIC, WIRE_FORMAT.optionValue());
        URI webUi = cluster.getRestAddress().get();
        if (webUi.getPort() != settings.webUiPort()) {
            out.printf("Port %d is taken (another Flink?): the web UI uses port %d instead.%n",
                    settings.webUiPort(), webUi.getPort());
        }
        job = submit(transform, webUi.getPort());
        out.printf("flink:     web UI %s  (job %s)%n", webUi, job.getJobID());

        int answersPerEvent = settings.task().questionInput() ? samples.questions().size() : 1;
        long events = settings.results() == 0 ? Long.MAX_VALUE
                : (settings.results() + answersPerEvent - 1) / answersPerEvent;
        producer = new SampleProducer(broker.bootstrapServers(), INPUT_TOPIC, format, samples,
                settings.eventsPerSecond(), events, event -> textsById.put(event.getId(), event.getText()));
        producer.start();
        out.printf("producing: %s at %.1f/s%s. %s%n%n",
                events == Long.MAX_VALUE ? "sample texts" : events + " sample texts", settings.eventsPerSecond(),
                settings.task().questionInput() ? ", each asked " + answersPerEvent + " questions" : "",
                settings.results() == 0 ? "Ctrl-C stops." : "Stops after " + settings.results() + " results.");
        out.flush();
        return readResults(webUi, started);
    }

    /**
     * A MiniCluster with one TaskManager and its web UI on 127.0.0.1: the wanted port, or the next free one (say,
     * when another Flink holds 8081).
     */
    private MiniCluster startCluster() {
        Configuration config = new Configuration();
        config.set(RestOptions.ADDRESS, "127.0.0.1");
        config.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        config.set(RestOptions.BIND_PORT, settings.webUiPort() + "-" + (settings.webUiPort() + WEB_UI_PORTS_TRIED));
        config.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        MiniCluster miniCluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(config)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(1)
                .build());
        try {
            miniCluster.start();
            return miniCluster;
        } catch (Exception e) {
            miniCluster.closeAsync();
            throw new IllegalStateException("The Flink MiniCluster did not start: " + e.getMessage(), e);
        }
    }

    /** Rethrows what made a start-up step fail. */
    private static void await(CompletableFuture<?> starting) throws Exception {
        try {
            starting.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c ? c.getCause() : e.getCause();
            if (cause instanceof Exception failure) {
                throw failure;
            }
            throw e;
        }
    }

    /** The head's operator with the demo's settings; question answering asks the sample questions of each text. */
    private AlbertTransform<?, ?> transform(SampleTexts samples) {
        AlbertTransform.Builder<?, ? extends AlbertTransform<?, ?>> builder = AlbertTransform.builder(settings.task());
        if (builder instanceof AlbertAnswerer.Builder answerer) {
            answerer.questions(samples.questions());
        }
        return configure(builder);
    }

    private <B extends AlbertTransform.Builder<B, T>, T extends AlbertTransform<?, ?>> T configure(
            AlbertTransform.Builder<B, T> builder) {
        builder.modelDirectory(settings.modelDirectory());
        return settings.operator().applyTo(builder.self(), "albert-demo").build();
    }

    private JobClient submit(AlbertTransform<?, ?> transform, int restPort) throws Exception {
        // The job goes to the running MiniCluster through its REST API, as 'flink run' would; its classes are on
        // this JVM's class path, so no jar travels.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment("127.0.0.1", restPort);
        env.setParallelism(1);
        env.enableCheckpointing(settings.checkpointInterval().toMillis());
        JobAssembly.pipeline(transform, format, INPUT_TOPIC, RESULT_TOPIC, DEAD_LETTER_TOPIC, "albert-demo")
                .setBootstrapServers(broker.bootstrapServers())
                .build()
                .addTo(env);
        return env.executeAsync("albert-demo-" + settings.task().optionValue());
    }

    /** The demo's reading loop, on the calling thread. */
    private int readResults(URI webUi, long startedNanos) {
        Properties config = new Properties();
        config.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "albert-demo-reader");
        config.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Deserializer<? extends SpecificRecord> results = format.kafkaDeserializer(transform.resultClass());
        // in the format the pipeline writes them, as the jobs do
        Deserializer<DeadLetter> deadLetterReader = format.kafkaDeserializer(DeadLetter.class);
        BatchSizeProbe batchSize = new BatchSizeProbe(webUi.resolve("/jobs/" + job.getJobID()));
        LatencyStats stats = new LatencyStats();
        Set<String> seen = new HashSet<>();
        long duplicates = 0;
        long deadLetters = 0;
        Long firstResultMillis = null;
        long nextReport = System.nanoTime() + settings.reportInterval().toNanos();
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            consumer.subscribe(List.of(RESULT_TOPIC, DEAD_LETTER_TOPIC));
            while (!stopping && (settings.results() == 0 || stats.count() < settings.results())) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    long now = System.currentTimeMillis();
                    if (record.topic().equals(DEAD_LETTER_TOPIC)) {
                        deadLetters++;
                        DeadLetter d = deadLetterReader.deserialize(record.topic(), record.value());
                        out.printf("dead letter %s: %s (%s)%n", d.getId(), d.getMessage(), d.getStage());
                        continue;
                    }
                    if (settings.results() > 0 && stats.count() >= settings.results()) {
                        continue;
                    }
                    SpecificRecord result = results.deserialize(record.topic(), record.value());
                    if (!seen.add(resultKey(result))) {
                        duplicates++;
                    }
                    long latency = now - eventTimeMillis(result, record.timestamp());
                    stats.add(latency);
                    if (firstResultMillis == null) {
                        firstResultMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
                        out.printf("(first result %.1f s after start)%n", firstResultMillis / 1000.0);
                    }
                    out.println(describe(result, latency));
                }
                if (System.nanoTime() >= nextReport) {
                    report(stats, batchSize.meanBatchSize(), deadLetters);
                    nextReport = System.nanoTime() + settings.reportInterval().toNanos();
                }
                Integer failed = checkHealth();
                if (failed != null) {
                    return failed;
                }
            }
        } catch (WakeupException e) {
            // close() from the shutdown hook: fall through to the summary
        } catch (RuntimeException e) {
            out.println("Cannot read a result or dead letter: " + e);
            return 1;
        } finally {
            consumer.close();
        }
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        out.printf("%nsummary: %d results in %.1f s (first after %.1f s), %d dead letters, %d duplicates;"
                        + " end-to-end latency p50 %d ms, p99 %d ms%n",
                stats.count(), seconds, firstResultMillis == null ? Double.NaN : firstResultMillis / 1000.0,
                deadLetters, duplicates, stats.percentile(50), stats.percentile(99));
        out.flush();
        if (settings.results() > 0 && stats.count() < settings.results() && !stopping) {
            return 1;
        }
        return duplicates == 0 ? 0 : 1;
    }

    private void report(LatencyStats stats, OptionalDouble meanBatchSize, long deadLetters) {
        out.printf("-- %.1f results/s | batch size %s | latency p50 %d ms, p99 %d ms | %d results, %d dead letters%n",
                stats.periodThroughput(),
                meanBatchSize.isPresent() ? String.format(Locale.ROOT, "%.1f", meanBatchSize.getAsDouble()) : "n/a",
                stats.periodPercentile(50), stats.periodPercentile(99), stats.count(), deadLetters);
        out.flush();
        stats.newPeriod();
    }

    /** 1 with a message when the job or the producer failed; null while all is well. */
    private Integer checkHealth() {
        Throwable producerFailure = producer.failure();
        if (producerFailure != null) {
            out.println("The sample producer failed: " + producerFailure);
            return 1;
        }
        JobStatus status;
        try {
            status = job.getJobStatus().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return null;   // the MiniCluster is busy or shutting down; the next poll asks again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        if (status == JobStatus.FAILED) {
            try {
                job.getJobExecutionResult().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                out.println("The job failed: " + rootCause(e));
            }
            return 1;
        }
        return null;
    }

    /** Id, and question where the result has one: what makes a result unique whatever the head. */
    private static String resultKey(SpecificRecord result) {
        Schema.Field question = result.getSchema().getField("question");
        return result.get(result.getSchema().getField("id").pos())
                + (question == null ? "" : "\u0000" + result.get(question.pos()));
    }

    /** The result's event time (every result schema carries the event's), else the Kafka timestamp. */
    private static long eventTimeMillis(SpecificRecord result, long kafkaTimestamp) {
        Schema.Field field = result.getSchema().getField("event_time");
        Object eventTime = field == null ? null : result.get(field.pos());
        return eventTime instanceof java.time.Instant instant ? instant.toEpochMilli() : kafkaTimestamp;
    }

    /** A line per result: the heads' results in their own words, any other as Avro prints it. */
    private String describe(SpecificRecord result, long latencyMillis) {
        String line;
        if (result instanceof ClassificationResult r) {
            line = String.format(Locale.ROOT, "%-10s %-10s %.3f  %s", r.getId(), r.getLabel(), r.getScore(),
                    text(r.getId()));
        } else if (result instanceof EmbeddingResult r) {
            line = String.format(Locale.ROOT, "%-10s %d-dim %s [%s …]  %s", r.getId(), r.getEmbedding().size(),
                    r.getPooling(), head(r.getEmbedding()), text(r.getId()));
        } else if (result instanceof QaAnswer r) {
            line = String.format(Locale.ROOT, "%-10s %-28s → %s (%.3f)  %s", r.getId(), r.getQuestion(),
                    r.getHasAnswer() ? "\"" + r.getAnswer() + "\"" : "(no answer)", r.getScore(), text(r.getId()));
        } else if (result instanceof EntityResult r) {
            StringBuilder entities = new StringBuilder();
            for (NamedEntity e : r.getEntities()) {
                entities.append(entities.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s \"%s\" (%.3f)",
                        e.getEntityGroup() != null ? e.getEntityGroup() : e.getEntity(), e.getWord(), e.getScore()));
            }
            line = String.format(Locale.ROOT, "%-10s %s  %s", r.getId(),
                    entities.length() == 0 ? "(no entities)" : entities, text(r.getId()));
        } else {
            line = result.toString();
        }
        return line + String.format(Locale.ROOT, "  [%d ms]", latencyMillis);
    }

    private String text(String id) {
        String text = textsById.get(id);
        if (text == null) {
            return "";
        }
        return text.length() <= TEXT_WIDTH ? text : text.substring(0, TEXT_WIDTH - 1) + "…";
    }

    private static String head(List<Float> vector) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(3, vector.size()); i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", vector.get(i)));
        }
        return sb.toString();
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }

    /**
     * Stops the producer, cancels the job (ending the MiniCluster), closes the broker and the model, each in its own
     * try/finally so that one failing does not keep the others open. Runs once, whichever thread calls first (the
     * main thread or the shutdown hook); a later call waits for that one to finish.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            awaitClosed();
            return;
        }
        stopping = true;
        KafkaConsumer<String, byte[]> reader = consumer;
        if (reader != null) {
            reader.wakeup();
        }
        try {
            SampleProducer producing = producer;
            if (producing != null) {
                producing.close();
            }
        } finally {
            try {
                cancelJob();
            } finally {
                try {
                    stopCluster();
                } finally {
                    try {
                        EmbeddedKafkaBroker kafka = broker;
                        if (kafka != null) {
                            kafka.close();
                        }
                    } finally {
                        try {
                            AlbertModel opened = model;
                            if (opened != null) {
                                opened.close();
                            }
                        } finally {
                            closed.countDown();
                        }
                    }
                }
            }
        }
    }

    private void cancelJob() {
        JobClient running = job;
        if (running == null) {
            return;
        }
        try {
            running.cancel().get(CANCEL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            running.getJobExecutionResult().handle((r, e) -> null).get(CANCEL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // already finished or failed: nothing to cancel
        }
    }

    private void stopCluster() {
        MiniCluster running = cluster;
        if (running == null) {
            return;
        }
        try {
            running.closeAsync().get(CANCEL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            out.println("The Flink MiniCluster did not stop cleanly: " + e);
        }
    }

    private void awaitClosed() {
        try {
            closed.await(CANCEL_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
