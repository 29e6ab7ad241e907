package dev.flinkalbert.cli;

import dev.flinkalbert.flink.AlbertTask;
import dev.flinkalbert.flink.ModelLocation;
import dev.flinkalbert.inference.TaskSpec;
import dev.flinkalbert.flink.BatchProcessor;
import dev.flinkalbert.flink.MicroBatching;
import dev.flinkalbert.inference.AlbertEncoder;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.EncodedRow;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.SessionSettings;
import dev.flinkalbert.inference.TextInput;
import dev.flinkalbert.tokenizer.Encoding;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The three ways of running a model over the same texts that {@code ./albert bench inference} compares, in one
 * process on one shared session: ONNX Runtime alone on pre-tokenized, length-sorted batches (the ceiling); the
 * micro-batching operator on a MiniCluster (bounded source, discarding sink, tokenization included); and a plain
 * per-record map calling the engine once per record. Operator runs are timed from the first record entering the job
 * to the last result leaving the operator, so the MiniCluster's start-up is not counted.
 */
final class InferenceBench implements AutoCloseable {

    /** Fewest texts {@link #autoRecords} picks. */
    static final int MIN_AUTO_RECORDS = 256;
    /** Most texts {@link #autoRecords} picks. */
    static final int MAX_AUTO_RECORDS = 32_768;

    private final AlbertTask<Object> task;
    private final AlbertModel model;
    private final List<String> texts;
    private final List<EncodedRow> rows;
    private final Set<String> outputs;
    private BenchCluster cluster;

    InferenceBench(Path modelDirectory, int intraOpThreads, List<String> texts) throws Exception {
        SessionSettings settings = new SessionSettings(SessionSettings.DEFAULT_DEVICE, intraOpThreads,
                SessionSettings.DEFAULT_INTER_OP_THREADS, SessionSettings.DEFAULT_OPTIMIZATION_LEVEL);
        this.model = AlbertModel.builder().modelDirectory(modelDirectory).sessionSettings(settings).build();
        try {
            if (model.task() == ModelTask.QUESTION_ANSWERING) {
                throw new IllegalArgumentException(modelDirectory + " is a question-answering model: benchmark a"
                        + " classification, embedding or token-classification model");
            }
            this.task = task(model, settings, AlbertEncoder.DEFAULT_MAX_BATCH_SIZE);
            // the head's graph output (classification and token classification: logits); embeddings time the
            // encoder alone (last_hidden_state), whether or not the model also exports pooler_output
            this.outputs = model.task() == ModelTask.EMBEDDINGS ? Set.of("last_hidden_state") : model.task().outputs();
            this.texts = List.copyOf(texts);
            this.rows = new ArrayList<>(texts.size());
            for (String text : texts) {
                Encoding e = model.tokenizer().encode(text, model.maxLength());
                rows.add(new EncodedRow(e.ids(), e.typeIds()));
            }
        } catch (RuntimeException | Error e) {
            model.close(); // no one else will: the caller never gets this bench to close
            throw e;
        }
    }

    /**
     * How many texts make a pass of about {@code seconds} of ONNX Runtime alone at {@code batchSize}, judged by
     * timing the {@code sample} (after a warm-up pass), between {@value #MIN_AUTO_RECORDS} and
     * {@value #MAX_AUTO_RECORDS}. Short passes measure the machine's noise rather than the code: the tiny model runs
     * thousands of records a second, albert-base a few dozen.
     */
    static int autoRecords(Path modelDirectory, int intraOpThreads, List<String> sample, int batchSize,
            double seconds) throws Exception {
        try (InferenceBench probe = new InferenceBench(modelDirectory, intraOpThreads, sample)) {
            probe.raw(batchSize);
            double recordsPerSecond = sample.size() / probe.raw(batchSize);
            return (int) Math.max(MIN_AUTO_RECORDS, Math.min(MAX_AUTO_RECORDS, Math.round(recordsPerSecond * seconds)));
        }
    }

    /** The MiniCluster every benchmark job of this process runs on, started on first use. */
    BenchCluster cluster() throws Exception {
        if (cluster == null) {
            cluster = new BenchCluster();
        }
        return cluster;
    }

    AlbertModel model() {
        return model;
    }

    AlbertTask<Object> task() {
        return task;
    }

    /** Mean tokens per text, specials included. */
    double meanTokens() {
        return rows.stream().mapToInt(EncodedRow::length).average().orElse(0);
    }

    /** Seconds for ONNX Runtime alone on all rows: sorted by length, cut into batches of {@code batchSize}. */
    double raw(int batchSize) throws Exception {
        return raw(batchSize, Integer.MAX_VALUE);
    }

    /**
     * Seconds for ONNX Runtime alone on the rows in flushes of {@code flushRecords} (in input order), each sorted by
     * length and cut into batches of {@code batchSize}: the same calls, with the same padding, as the operator makes
     * when it flushes that many records at once.
     */
    double raw(int batchSize, int flushRecords) throws Exception {
        try (AlbertEncoder encoder = model.encoder(outputs, batchSize, Integer.MAX_VALUE)) {
            long start = System.nanoTime();
            for (int from = 0; from < rows.size(); from += flushRecords) {
                encoder.encode(rows.subList(from, (int) Math.min(rows.size(), (long) from + flushRecords)),
                        (out, row) -> null);
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** How the operator runs a flushed batch: on the task thread, pipelined on its own thread, or in a shared batcher. */
    enum OperatorMode {
        SYNCHRONOUS("operator"),
        PIPELINED("pipelined"),
        SHARED_BATCHER("shared");

        final String label;

        OperatorMode(String label) {
            this.label = label;
        }
    }

    /**
     * Seconds for the micro-batching operator on a MiniCluster at {@code parallelism} subtasks (each reading its share
     * of the texts, chained from source to sink, so that no record crosses a network buffer), flushing
     * {@code flushBatches × batchSize} records at once (sorted by length, then cut into ONNX Runtime calls of
     * {@code batchSize}).
     */
    double operator(int batchSize, int flushBatches, OperatorMode mode, int parallelism) throws Exception {
        AlbertTask<Object> sized = resized(batchSize);
        return timedJob(parallelism, inputs -> {
            MicroBatching.Builder<TextInput, Object> batching = MicroBatching.<TextInput, Object>builder()
                    .processor(sized)
                    .outputType(TypeInformation.of(Object.class))
                    .maxBatchSize(batchSize * flushBatches)
                    .maxLinger(Duration.ofSeconds(1));
            switch (mode) {
                case PIPELINED -> batching.pipelined(true);
                case SHARED_BATCHER -> batching.sharedPerTaskManager("bench-" + batchSize);
                case SYNCHRONOUS -> { }
            }
            return batching.build().apply(inputs);
        });
    }

    /** Seconds for a per-record map that calls the engine once per record, on a MiniCluster. */
    double naive() throws Exception {
        AlbertTask<Object> single = resized(1);
        return timedJob(1, inputs -> inputs.map(new PerRecord(single), TypeInformation.of(Object.class))
                .name("per-record"));
    }

    private AlbertTask<Object> resized(int batchSize) {
        return task(model, task.sessionSettings(), batchSize);
    }

    /** The model's task (classification or embeddings) with {@code batchSize} rows per ONNX Runtime call. */
    @SuppressWarnings("unchecked") // results are only counted
    private static AlbertTask<Object> task(AlbertModel model, SessionSettings settings, int batchSize) {
        TaskSpec<Object> spec = (TaskSpec<Object>) model.task().defaults();
        return AlbertTask.builder(ModelLocation.local(model.directory()), spec)
                .sessionSettings(settings).maxBatchSize(batchSize).build();
    }

    private double timedJob(int parallelism,
            java.util.function.Function<DataStream<TextInput>, DataStream<Object>> stage) throws Exception {
        StreamExecutionEnvironment env = BenchCluster.environment();
        env.setParallelism(parallelism);
        env.getConfig().enableObjectReuse(); // the chain passes references; nothing here mutates a record
        // A parallel source of indexes: each subtask reads its own range and makes its own inputs, so that the
        // source, the operator and the sink of a subtask are one chain on one thread at every parallelism.
        DataStream<TextInput> source = env.fromSequence(0, texts.size() - 1)
                .map(new TextAt(texts)).name("texts")
                .map(new Span.First<>()).name("span-start");
        stage.apply(source).map(new Span.Last<>()).name("span-end").sinkTo(new DiscardingSink<>());
        Span.reset();
        cluster().execute(env);
        if (Span.results() != texts.size()) { // a pass that lost or repeated records would time something else
            throw new IllegalStateException("the benchmark job gave " + Span.results() + " results for "
                    + texts.size() + " texts");
        }
        return Span.seconds();
    }

    /** The text at an index, as the operator's input. */
    private static final class TextAt implements MapFunction<Long, TextInput> {
        private final ArrayList<String> texts;

        TextAt(List<String> texts) {
            this.texts = new ArrayList<>(texts);
        }

        @Override
        public TextInput map(Long index) {
            return TextInput.of(texts.get(Math.toIntExact(index)));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            model.close();
        }
    }

    /** First record in (any subtask), last result out (any subtask); the MiniCluster runs in this JVM. */
    static final class Span {
        private static final AtomicLong FIRST = new AtomicLong();
        private static final AtomicLong LAST = new AtomicLong();
        private static final AtomicLong RESULTS = new AtomicLong();

        static void reset() {
            FIRST.set(0);
            LAST.set(0);
            RESULTS.set(0);
        }

        static long results() {
            return RESULTS.get();
        }

        static double seconds() {
            return (LAST.get() - FIRST.get()) / 1e9;
        }

        static final class First<T> implements MapFunction<T, T> {
            // a volatile read per record; the compare-and-set runs once per subtask at most
            @Override
            public T map(T value) {
                if (FIRST.get() == 0) {
                    FIRST.compareAndSet(0, System.nanoTime());
                }
                return value;
            }
        }

        static final class Last<T> extends RichMapFunction<T, T> {
            private transient long last;
            private transient long results;

            @Override
            public T map(T value) {
                // per subtask: plain fields; the shared figures are updated once the subtask is over (close)
                last = System.nanoTime();
                results++;
                return value;
            }

            @Override
            public void close() {
                LAST.accumulateAndGet(last, Math::max);
                RESULTS.addAndGet(results);
            }
        }
    }

    /** What most people write: one engine call per record. */
    private static final class PerRecord extends RichMapFunction<TextInput, Object> {
        private final AlbertTask<Object> task;
        private transient BatchProcessor<TextInput, Object> processor;

        PerRecord(AlbertTask<Object> task) {
            this.task = task;
        }

        @Override
        public void open(OpenContext context) {
            processor = task.create();
        }

        @Override
        public Object map(TextInput input) throws Exception {
            return processor.process(List.of(input)).get(0).value();
        }

        @Override
        public void close() throws Exception {
            if (processor != null) {
                processor.close();
            }
        }
    }
}
