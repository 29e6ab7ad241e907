package dev.flinkalbert.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.demo.LatencyStats;
import dev.flinkalbert.flink.AlbertClassifier;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.jobs.AlbertJob;
import dev.flinkalbert.jobs.JobAssembly;
import dev.flinkalbert.jobs.OperatorOptions;
import dev.flinkalbert.kafka.EmbeddedKafkaBroker;
import dev.flinkalbert.pipeline.KafkaPipeline;
import dev.flinkalbert.pipeline.PipelineStage;
import dev.flinkalbert.pipeline.StageOutput;
import dev.flinkalbert.flink.MicroBatching;
import dev.flinkalbert.serde.KafkaRecordFormat;
import dev.flinkalbert.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./albert bench pipeline}: the classification job end to end through an in-process Kafka broker (Avro
 * single-object events in, Avro results out, exactly once) against ONNX Runtime alone at the same batch size, on
 * the same generated texts. Throughput: events preloaded, a bounded job, timed from the first event read to the last
 * result handed to the Kafka sink; medians of the repeats after a warm-up run. Latency: events sent at a fixed rate
 * to a running job, p50/p99 from the event's time to its result leaving the operator (in the job) and to the result
 * being readable by a {@code read_committed} consumer (which includes waiting for the checkpoint that commits it).
 */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        defaultValueProvider = BenchPipelineCommand.Defaults.class,
        description = "End-to-end throughput and latency of the classify job through an in-process broker.")
public final class BenchPipelineCommand implements Callable<Integer> {

    static final String DEFAULT_JSON_OUT = "target/bench-pipeline.json";

    private static final KafkaRecordFormat FORMAT = KafkaRecordFormat.builder()
            .format(WireFormat.AVRO_SINGLE_OBJECT).build();
    private static final String INPUT = "bench-in";

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model-dir", required = true, paramLabel = "DIR", description = "A classification model directory")
    Path modelDirectory;

    @CommandLine.Mixin
    BenchWorkloadOptions workload;

    @Option(names = "--records", paramLabel = "N",
            description = "Events per throughput run, and per latency run (default: enough for about "
                    + BenchWorkloadOptions.AUTO_SECONDS + " s of ONNX Runtime alone, at least "
                    + InferenceBench.MIN_AUTO_RECORDS + ")")
    Integer records;

    /** The job's operator options, as the jobs have them; the bench's own defaults are {@link Defaults}'. */
    @CommandLine.Mixin
    OperatorOptions operator;

    @Option(names = "--checkpoint-interval", defaultValue = "10s", paramLabel = "DURATION",
            converter = AlbertJob.DurationConverter.class,
            description = "Checkpoints commit the results; each one also flushes the operator, so short intervals"
                    + " mean small batches (default: ${DEFAULT-VALUE}, the jobs' default)")
    Duration checkpointInterval;

    /** The earlier spelling, in milliseconds (its own field: picocli sets unmatched defaults after parsing). */
    @Option(names = "--checkpoint-interval-ms", hidden = true, paramLabel = "MS")
    Long checkpointIntervalMillis;

    private long checkpointMillis;

    @Option(names = "--rate", paramLabel = "EVENTS/S",
            description = "Input rate of the latency run (default: half the measured throughput)")
    Double rate;

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "N",
            description = "Timed throughput runs; the median counts (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--json-out", defaultValue = DEFAULT_JSON_OUT, paramLabel = "FILE",
            description = "Where to write the figures (default: ${DEFAULT-VALUE})")
    Path jsonOut;

    private int runs;
    private BenchCluster cluster;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int batchSize = operator.batchSize();
        int flushBatches = operator.flushBatches();
        int intraOpThreads = operator.intraOpThreads();
        checkpointMillis = checkpointIntervalMillis != null ? checkpointIntervalMillis : checkpointInterval.toMillis();
        if (repeats < 1 || (records != null && records < 1) || batchSize < 1 || flushBatches < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--repeats, --records, --batch-size and --flush-batches must be >= 1");
        }
        int records = this.records != null ? this.records
                : workload.autoRecords(spec.commandLine(), modelDirectory, ModelTask.CLASSIFICATION, intraOpThreads,
                        batchSize);
        // The pipeline benchmark runs the classify job.
        List<String> texts = BenchTexts.forModel(spec.commandLine(), modelDirectory, ModelTask.CLASSIFICATION, workload.lengths,
                records);
        try (InferenceBench bench = new InferenceBench(modelDirectory, intraOpThreads, texts);
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            out.printf("model %s, %d texts of %s tokens (mean %.1f), %d intra-op threads, batch %d, flushes of"
                    + " %d batches, checkpoints every %d ms, %d repeats%n", modelDirectory, records, workload.lengths,
                    bench.meanTokens(), intraOpThreads, batchSize, flushBatches, checkpointMillis, repeats);
            cluster = bench.cluster();
            broker.createTopic(INPUT, 1);
            produce(broker, texts);

            double[] rawSeconds = new double[repeats];
            double[] pipelineSeconds = new double[repeats];
            for (int r = -1; r < repeats; r++) { // pass -1 warms up
                double rawPass = bench.raw(batchSize);
                double pipelinePass = throughputRun(broker);
                if (r >= 0) {
                    rawSeconds[r] = rawPass;
                    pipelineSeconds[r] = pipelinePass;
                }
            }
            double raw = records / BenchFigures.median(rawSeconds);
            double pipeline = records / BenchFigures.median(pipelineSeconds);
            out.printf("raw (ONNX Runtime alone, batch %d): %,10.1f rec/s%n", batchSize, raw);
            out.printf("pipeline (Kafka → job → Kafka):    %,10.1f rec/s%n", pipeline);

            double inputRate = rate != null ? rate : pipeline / 2;
            long[][] latencies = latencyRun(broker, texts, inputRate);
            long[] inJob = latencies[0];
            long[] committed = latencies[1];
            out.printf("latency at %.1f events/s: in job p50 %d ms, p99 %d ms; committed p50 %d ms, p99 %d ms%n",
                    inputRate, percentile(inJob, 50), percentile(inJob, 99), percentile(committed, 50),
                    percentile(committed, 99));
            out.printf(Locale.ROOT, "pipeline/raw: %.2f%n", pipeline / raw);

            ObjectNode root = BenchFigures.root("pipeline");
            root.put("model_dir", modelDirectory.toString());
            root.put("records", records);
            root.put("lengths", workload.lengths);
            root.put("mean_tokens", bench.meanTokens());
            root.put("intra_op_threads", intraOpThreads);
            root.put("batch_size", batchSize);
            root.put("flush_batches", flushBatches);
            root.put("checkpoint_interval_ms", checkpointMillis);
            root.put("repeats", repeats);
            root.put("raw_records_per_s", raw);
            root.put("pipeline_records_per_s", pipeline);
            root.put("pipeline_over_raw", pipeline / raw);
            root.put("latency_input_rate", inputRate);
            root.put("latency_in_job_p50_ms", percentile(inJob, 50));
            root.put("latency_in_job_p99_ms", percentile(inJob, 99));
            root.put("latency_committed_p50_ms", percentile(committed, 50));
            root.put("latency_committed_p99_ms", percentile(committed, 99));
            BenchFigures.write(root, jsonOut, spec.commandLine().getOut());
        }
        return 0;
    }

    /** A bounded run over the preloaded events; seconds from the first event read to the last result out. */
    private double throughputRun(EmbeddedKafkaBroker broker) throws Exception {
        StreamExecutionEnvironment env = environment();
        pipeline(broker, true, OffsetsInitializer.earliest()).addTo(env);
        InferenceBench.Span.reset();
        cluster.execute(env);
        return InferenceBench.Span.seconds();
    }

    /** Events at {@code rate} per second into a running job; latencies in ms, in the job and committed. */
    private long[][] latencyRun(EmbeddedKafkaBroker broker, List<String> texts, double rate) throws Exception {
        StreamExecutionEnvironment env = environment();
        KafkaPipeline<ClassificationResult> pipeline = pipeline(broker, false, endOffsets(broker));
        String output = outputTopic();
        pipeline.addTo(env);
        EmitLatency.LATENCIES.clear();
        JobID job = cluster.submit(env);
        try (KafkaConsumer<byte[], byte[]> consumer = committedConsumer(broker, output)) {
            Thread.sleep(2_000); // the tasks have opened the model and polled the input once
            long[] committed = new long[texts.size()];
            Thread producer = new Thread(() -> produceAtRate(broker, texts, rate), "bench-producer");
            producer.start();
            DeserializationSchema<ClassificationResult> results = FORMAT.deserializer(ClassificationResult.class);
            int received = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (received < texts.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    ClassificationResult result = results.deserialize(record.value());
                    if (received < committed.length) {
                        committed[received++] = System.currentTimeMillis() - result.getEventTime().toEpochMilli();
                    }
                }
            }
            producer.join();
            long[] inJob = EmitLatency.LATENCIES.stream().mapToLong(Long::longValue).toArray();
            return new long[][] {inJob, Arrays.copyOf(committed, received)};
        } finally {
            cluster.cancel(job);
        }
    }

    private StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = BenchCluster.environment();
        env.enableCheckpointing(checkpointMillis);
        env.getConfig().enableObjectReuse();
        return env;
    }

    private KafkaPipeline<ClassificationResult> pipeline(EmbeddedKafkaBroker broker, boolean bounded,
            OffsetsInitializer start) {
        runs++;
        AlbertClassifier classifier = operator
                .applyTo(AlbertClassifier.builder().modelDirectory(modelDirectory), "bench-pipeline")
                .build();
        PipelineStage<ClassificationResult> stage = events -> {
            SingleOutputStreamOperator<ClassificationResult> results =
                    classifier.apply(events.map(new InferenceBench.Span.First<>()).name("span-start"));
            SingleOutputStreamOperator<ClassificationResult> stamped = results
                    .map(new InferenceBench.Span.Last<>()).name("span-end")
                    .map(new EmitLatency()).name("latency");
            return new StageOutput<>(stamped, results.getSideOutput(MicroBatching.DEAD_LETTERS));
        };
        var builder = JobAssembly.pipeline(stage, classifier.resultClass(), FORMAT, INPUT, outputTopic(),
                        "bench-dead", "bench-" + runs)
                .setBootstrapServers(broker.bootstrapServers())
                .setStartingOffsets(start);
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /** Where the latency run starts: after the preloaded events, whenever the job gets going. */
    private static OffsetsInitializer endOffsets(EmbeddedKafkaBroker broker) throws Exception {
        try (var admin = broker.admin()) {
            var partition = new org.apache.kafka.common.TopicPartition(INPUT, 0);
            long end = admin.listOffsets(java.util.Map.of(partition, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                    .partitionResult(partition).get().offset();
            return OffsetsInitializer.offsets(java.util.Map.of(partition, end));
        }
    }

    private String outputTopic() {
        return "bench-out-" + runs;
    }

    private static void produce(EmbeddedKafkaBroker broker, List<String> texts) {
        try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
            SerializationSchema<TextEvent> events = FORMAT.serializer(TextEvent.class, INPUT);
            for (int i = 0; i < texts.size(); i++) {
                TextEvent event = TextEvent.newBuilder().setId("e" + i).setText(texts.get(i))
                        .setEventTime(Instant.ofEpochMilli(System.currentTimeMillis())).build();
                producer.send(new ProducerRecord<>(INPUT, event.getId().getBytes(StandardCharsets.UTF_8),
                        events.serialize(event)));
            }
        }
    }

    private static void produceAtRate(EmbeddedKafkaBroker broker, List<String> texts, double rate) {
        SerializationSchema<TextEvent> events = FORMAT.serializer(TextEvent.class, INPUT);
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
            for (int i = 0; i < texts.size(); i++) {
                long due = start + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                TextEvent event = TextEvent.newBuilder().setId("l" + i).setText(texts.get(i))
                        .setEventTime(Instant.ofEpochMilli(System.currentTimeMillis())).build();
                producer.send(new ProducerRecord<>(INPUT, event.getId().getBytes(StandardCharsets.UTF_8),
                        events.serialize(event)));
                producer.flush();
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafkaBroker broker) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> committedConsumer(EmbeddedKafkaBroker broker, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-reader-" + topic);
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    private static long percentile(long[] values, int p) {
        return LatencyStats.percentile(values, values.length, p);
    }

    /** Records each result's age (now − event time) as it leaves the operator (the MiniCluster runs in this JVM). */
    static final class EmitLatency implements MapFunction<ClassificationResult, ClassificationResult> {
        static final ConcurrentLinkedQueue<Long> LATENCIES = new ConcurrentLinkedQueue<>();

        @Override
        public ClassificationResult map(ClassificationResult result) {
            LATENCIES.add(System.currentTimeMillis() - result.getEventTime().toEpochMilli());
            return result;
        }
    }

    /**
     * The bench's operator defaults: calls of 8 rows flushed 16 at a time (sorted by length within a flush, texts
     * of 8-64 tokens then pad by a few per cent), a 50 ms linger, two threads; the jobs' for the rest.
     */
    public static final class Defaults extends OperatorOptions.Defaults {
        private static final java.util.Map<String, String> BENCH = java.util.Map.of(
                "--batch-size", "8",
                "--flush-batches", "" + BenchWorkloadOptions.DEFAULT_FLUSH_BATCHES,
                "--linger-ms", "50",
                "--intra-op-threads", "" + BenchWorkloadOptions.DEFAULT_INTRA_OP_THREADS);

        @Override
        protected String defaultValue(String name) {
            return BENCH.getOrDefault(name, super.defaultValue(name));
        }
    }
}
