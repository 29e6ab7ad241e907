package dev.flinkalbert.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./albert bench sql}: records/s of the same generated texts through (a) {@code ML_PREDICT} with the
 * asynchronous predict function (Flink SQL on the bench's MiniCluster: the texts as a table,
 * {@code CREATE MODEL … WITH ('provider' = 'albert', …)}, results into a discarding sink), (b) the DataStream
 * micro-batching operator and, with {@code --sync}, (c) {@code ML_PREDICT} with the synchronous function (one row per
 * model call). Ends with {@code sql/operator} (a ÷ b).
 *
 * <p>Both paths get the same work and the same structure, so that the ratio shows what the SQL layer costs, not a
 * difference of settings: batches of {@code --batch-size} rows, one engine call each (SQL: {@code max-batch-size};
 * the operator flushes that many records), the same linger, engine limits and intra-op threads, and
 * {@code --in-flight-batches} batches in flight with the engine on a thread of its own (SQL:
 * {@code max-concurrent-operations} = batch size × batches, so that one batch fills while the previous one runs on
 * the shared batcher's thread; the operator: its pipelined mode). How each pass is timed, and why the clocks start
 * and stop where they do, is said in {@link SqlBench}. Variants are interleaved within each repeat after a warm-up
 * pass; medians count.
 */
@Command(
        name = "sql",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "SQL throughput: ML_PREDICT (asynchronous) vs the DataStream micro-batching operator.")
public final class BenchSqlCommand implements Callable<Integer> {

    static final String DEFAULT_JSON_OUT = "target/bench-sql.json";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model-dir", required = true, paramLabel = "DIR",
            description = "A classification, embedding or token-classification model directory")
    Path modelDirectory;

    @CommandLine.Mixin
    BenchWorkloadOptions workload;

    @CommandLine.Mixin
    BenchPassOptions passes;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Rows per model call on both paths (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--in-flight-batches", defaultValue = "2", paramLabel = "K",
            description = "Batches in flight: ML_PREDICT's max-concurrent-operations is K × the batch size, the"
                    + " pipelined operator holds K batches (default: ${DEFAULT-VALUE})")
    int inFlightBatches;

    @Option(names = "--operator-on-task-thread",
            description = "Run the operator's engine calls on the task thread (default: its pipelined mode, an"
                    + " engine thread of its own, as the shared batcher's)")
    boolean operatorOnTaskThread;

    @Option(names = "--sync", description = "Also time ML_PREDICT's synchronous function (one row per model call)")
    boolean sync;

    @Option(names = "--json-out", defaultValue = DEFAULT_JSON_OUT, paramLabel = "FILE",
            description = "Where to write the figures (default: ${DEFAULT-VALUE})")
    Path jsonOut;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        passes.check(spec.commandLine());
        if (batchSize < 1 || inFlightBatches < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-size and --in-flight-batches must be >= 1");
        }
        long inFlight = (long) batchSize * inFlightBatches;
        if (inFlight > Integer.MAX_VALUE) {
            throw new ParameterException(spec.commandLine(), "--batch-size × --in-flight-batches is too large");
        }
        int records = passes.records(spec.commandLine(), modelDirectory, workload, batchSize, 1);
        List<String> texts = BenchTexts.forModel(spec.commandLine(), modelDirectory, null, workload.lengths, records);
        boolean pipelined = !operatorOnTaskThread;
        String operatorMode = pipelined ? "pipelined" : "task thread";
        SqlBench bench;
        try {
            bench = new SqlBench(modelDirectory, passes.intraOpThreads, texts);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--model-dir " + e.getMessage(), e);
        }
        try (bench) {
            out.printf("model %s (%s), %d texts of %s tokens, batch size %d, %d batches in flight"
                    + " (ML_PREDICT max-concurrent-operations %d), %d intra-op threads, operator %s, %d repeats%n",
                    modelDirectory, bench.model().task(), records, workload.lengths, batchSize, inFlightBatches,
                    inFlight, passes.intraOpThreads, operatorMode, passes.repeats);
            // Variants interleaved within each repeat, so that a noisy neighbour slows all of them alike.
            double[] sqlSeconds = new double[passes.repeats];
            double[] operatorSeconds = new double[passes.repeats];
            double[] syncSeconds = new double[passes.repeats];
            for (int r = -1; r < passes.repeats; r++) { // pass -1 warms up
                double sqlPass = bench.sql(true, batchSize, (int) inFlight);
                double operatorPass = bench.operator(batchSize, pipelined, inFlightBatches);
                double syncPass = sync ? bench.sql(false, batchSize, (int) inFlight) : 0;
                if (r >= 0) {
                    sqlSeconds[r] = sqlPass;
                    operatorSeconds[r] = operatorPass;
                    syncSeconds[r] = syncPass;
                }
            }
            double sql = records / BenchFigures.median(sqlSeconds);
            double operator = records / BenchFigures.median(operatorSeconds);
            out.printf("ML_PREDICT (async):  %,10.1f rec/s%n", sql);
            out.printf("operator (%s): %,10.1f rec/s%n", operatorMode, operator);
            Double syncRate = null;
            if (sync) {
                syncRate = records / BenchFigures.median(syncSeconds);
                out.printf("ML_PREDICT (sync):   %,10.1f rec/s%n", syncRate);
                out.printf(Locale.ROOT, "sql-sync/operator: %.2f%n", syncRate / operator);
            }
            out.printf(Locale.ROOT, "sql/operator: %.2f%n", sql / operator);

            ObjectNode root = BenchFigures.root("sql");
            root.put("model_dir", modelDirectory.toString());
            root.put("task", bench.model().task().name());
            root.put("records", records);
            root.put("lengths", workload.lengths);
            root.put("batch_size", batchSize);
            root.put("in_flight_batches", inFlightBatches);
            root.put("max_concurrent_operations", inFlight);
            root.put("intra_op_threads", passes.intraOpThreads);
            root.put("operator_pipelined", pipelined);
            root.put("repeats", passes.repeats);
            root.put("sql_async_records_per_s", sql);
            root.put("operator_records_per_s", operator);
            if (syncRate != null) {
                root.put("sql_sync_records_per_s", syncRate);
                root.put("sql_sync_over_operator", syncRate / operator);
            }
            root.put("sql_over_operator", sql / operator);
            root.put("available_processors", Runtime.getRuntime().availableProcessors());
            BenchFigures.write(root, jsonOut, out);
        }
        return 0;
    }
}
