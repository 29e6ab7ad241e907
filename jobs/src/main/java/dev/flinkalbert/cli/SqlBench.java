package dev.flinkalbert.cli;

import dev.flinkalbert.flink.AlbertTask;
import dev.flinkalbert.flink.BatchPolicy;
import dev.flinkalbert.flink.MicroBatching;
import dev.flinkalbert.flink.ModelLocation;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.SessionSettings;
import dev.flinkalbert.inference.TaskSpec;
import dev.flinkalbert.inference.TextInput;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * The ways of running a model over the same texts that {@code ./albert bench sql} compares, on one MiniCluster
 * started once: {@code ML_PREDICT} through the model provider ({@code 'provider' = 'albert'}), asynchronously (the
 * shared batcher) or synchronously (one row per call), and the DataStream micro-batching operator with the same
 * batch size, linger, engine limits and intra-op threads.
 *
 * <p>Every pass is timed the same way as {@link InferenceBench}'s operator passes: from the first record leaving the
 * source ({@link InferenceBench.Span.First}, a map right after it) to the last result leaving the step under test
 * ({@link InferenceBench.Span.Last}, a map right before a discarding sink). Job submission, planning, the operators'
 * start-up and the model's session (held open by this bench for the whole run, as a TaskManager holds it) are
 * outside the span. What is inside differs only where the paths differ: the SQL pass also converts each text into
 * the planner's row format and each result row out of it ({@code fromDataStream}/{@code toDataStream}), which is
 * what any SQL source and sink do; the operator pass gets ready-made {@link TextInput}s, as a job's deserializer
 * makes them.
 */
final class SqlBench implements AutoCloseable {

    /** The model's name in each pass's catalog. */
    private static final String MODEL = "bench_model";

    private final AlbertModel model;
    private final SessionSettings settings;
    private final List<String> texts;
    private final List<TextInput> inputs;
    private BenchCluster cluster;

    SqlBench(Path modelDirectory, int intraOpThreads, List<String> texts) {
        this.settings = new SessionSettings(SessionSettings.DEFAULT_DEVICE, intraOpThreads,
                SessionSettings.DEFAULT_INTER_OP_THREADS, SessionSettings.DEFAULT_OPTIMIZATION_LEVEL);
        // Held for the whole run: every pass's processors (and the SQL provider's planning) join this session.
        this.model = AlbertModel.builder().modelDirectory(modelDirectory).sessionSettings(settings).build();
        if (model.task() == ModelTask.QUESTION_ANSWERING) {
            model.close();
            throw new IllegalArgumentException(modelDirectory + " is a question-answering model: benchmark a"
                    + " classification, embedding or token-classification model");
        }
        this.texts = List.copyOf(texts);
        this.inputs = this.texts.stream().map(TextInput::of).toList();
    }

    AlbertModel model() {
        return model;
    }

    /**
     * Seconds for {@code ML_PREDICT} over all texts: batches of {@code batchSize} rows (the model's
     * {@code max-batch-size}) with {@code maxConcurrentOperations} rows in flight (asynchronous path), or one row per
     * call ({@code async} false).
     */
    double sql(boolean async, int batchSize, int maxConcurrentOperations) throws Exception {
        StreamExecutionEnvironment env = BenchCluster.environment();
        env.getConfig().enableObjectReuse();
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.getConfig().set("parallelism.default", "1");
        DataStream<String> source = env.fromData(texts, Types.STRING).map(new InferenceBench.Span.First<>())
                .name("span-start");
        tables.createTemporaryView("texts", tables.fromDataStream(source).as("text"));
        tables.executeSql("CREATE MODEL " + MODEL + " INPUT (text STRING) OUTPUT (" + outputColumns() + ")"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + quoted(model.directory().toString()) + "',"
                + " 'threads' = '" + settings.intraOpThreads() + "', 'max-batch-size' = '" + batchSize + "',"
                + " 'max-linger' = '" + BatchPolicy.DEFAULT_MAX_LINGER.toMillis() + " ms')");
        Table results = tables.sqlQuery("SELECT * FROM ML_PREDICT(TABLE texts, MODEL " + MODEL + ", DESCRIPTOR(text),"
                + " MAP['async', '" + async + "', 'max-concurrent-operations', '" + maxConcurrentOperations + "'])");
        tables.toDataStream(results).map(new InferenceBench.Span.Last<>()).name("span-end")
                .sinkTo(new DiscardingSink<>());
        InferenceBench.Span.reset();
        cluster().execute(env);
        return InferenceBench.Span.seconds();
    }

    /**
     * Seconds for the micro-batching operator over all texts: flushes of {@code batchSize} records (one engine call
     * each, as the SQL path's batches), on an engine thread with {@code batchesInFlight} batches prepared or running
     * ({@code pipelined}), or on the task thread.
     */
    double operator(int batchSize, boolean pipelined, int batchesInFlight) throws Exception {
        AlbertTask<Object> task = task(batchSize);
        StreamExecutionEnvironment env = BenchCluster.environment();
        env.getConfig().enableObjectReuse(); // the chain passes references; nothing here mutates a record
        DataStream<TextInput> source = env.fromData(inputs, TypeInformation.of(TextInput.class))
                .map(new InferenceBench.Span.First<>()).name("span-start");
        MicroBatching.Builder<TextInput, Object> batching = MicroBatching.<TextInput, Object>builder()
                .processor(task)
                .outputType(TypeInformation.of(Object.class))
                .maxBatchSize(batchSize)
                .maxLinger(BatchPolicy.DEFAULT_MAX_LINGER)
                .pipelined(pipelined);
        if (pipelined) {
            batching.batchesInFlight(batchesInFlight);
        }
        batching.build().apply(source).map(new InferenceBench.Span.Last<>()).name("span-end")
                .sinkTo(new DiscardingSink<>());
        InferenceBench.Span.reset();
        cluster().execute(env);
        return InferenceBench.Span.seconds();
    }

    /** The model's task at its defaults (as the SQL provider makes it from no task options), {@code batchSize} rows per call. */
    @SuppressWarnings("unchecked") // results are only counted
    private AlbertTask<Object> task(int batchSize) {
        TaskSpec<Object> spec = (TaskSpec<Object>) model.task().defaults();
        return AlbertTask.builder(ModelLocation.local(model.directory()), spec)
                .sessionSettings(settings).maxBatchSize(batchSize).build();
    }

    /**
     * The output columns the SQL path fills: what a query would read of each task at its default options
     * (token classification: aggregation {@code none}, one entity per token).
     */
    private String outputColumns() {
        return switch (model.task()) {
            case CLASSIFICATION -> "label STRING, score FLOAT";
            case EMBEDDINGS -> "embedding ARRAY<FLOAT>";
            case TOKEN_CLASSIFICATION ->
                    "entities ARRAY<ROW<entity STRING, score FLOAT, `index` INT, word STRING, `start` INT, `end` INT>>";
            case QUESTION_ANSWERING -> throw new IllegalStateException("refused in the constructor");
        };
    }

    private static String quoted(String literal) {
        return literal.replace("'", "''");
    }

    private BenchCluster cluster() throws Exception {
        if (cluster == null) {
            cluster = new BenchCluster();
        }
        return cluster;
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
}
