package dev.flinkalbert.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./albert bench inference}: records/s of (a) ONNX Runtime alone on pre-tokenized, length-sorted batches,
 * (b) the micro-batching operator on a MiniCluster and (c) a per-record map, at each batch size, on the same
 * generated texts; medians of the repeats (variants interleaved) after a warm-up pass. Ends with {@code operator/raw} and
 * {@code operator/naive} at the operator's best batch size.
 */
@Command(
        name = "inference",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Model throughput: ONNX Runtime alone vs the micro-batching operator vs a per-record map.")
public final class BenchInferenceCommand implements Callable<Integer> {

    static final String DEFAULT_JSON_OUT = "target/bench-inference.json";


    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model-dir", required = true, paramLabel = "DIR",
            description = "A classification or embedding model directory")
    Path modelDirectory;

    @CommandLine.Mixin
    BenchWorkloadOptions workload;

    @Option(names = "--intra-op-threads", defaultValue = "" + BenchWorkloadOptions.DEFAULT_INTRA_OP_THREADS,
            paramLabel = "N", description = "ONNX Runtime threads per call (default: ${DEFAULT-VALUE})")
    int intraOpThreads;

    @Option(names = "--records", paramLabel = "N",
            description = "Texts per pass (default: enough for about " + BenchWorkloadOptions.AUTO_SECONDS
                    + " s of ONNX Runtime alone at the largest batch size, at least "
                    + InferenceBench.MIN_AUTO_RECORDS + ")")
    Integer records;

    @Option(names = "--batch-sizes", defaultValue = "1,8,32,64", split = ",", paramLabel = "N,…",
            description = "Batch sizes (default: ${DEFAULT-VALUE})")
    List<Integer> batchSizes;

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "N",
            description = "Timed passes per variant; the median counts (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--flush-batches", defaultValue = "" + BenchWorkloadOptions.DEFAULT_FLUSH_BATCHES, paramLabel = "K",
            description = "The operator flushes K batches at once, sorted by length before they are cut into"
                    + " calls of the batch size (default: ${DEFAULT-VALUE})")
    int flushBatches;

    @Option(names = "--shared-batcher", description = "Run the operator in its shared-per-TaskManager mode")
    boolean shared;

    @Option(names = "--json-out", defaultValue = DEFAULT_JSON_OUT, paramLabel = "FILE",
            description = "Where to write the figures (default: ${DEFAULT-VALUE})")
    Path jsonOut;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (repeats < 1 || (records != null && records < 1) || flushBatches < 1
                || batchSizes.stream().anyMatch(b -> b < 1)) {
            throw new ParameterException(spec.commandLine(), "--repeats, --records, --flush-batches and --batch-sizes must be >= 1");
        }
        int largest = batchSizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
        int records = this.records != null ? this.records
                : workload.autoRecords(spec.commandLine(), modelDirectory, null, intraOpThreads, largest);
        List<String> texts = BenchTexts.forModel(spec.commandLine(), modelDirectory, null, workload.lengths, records);
        try (InferenceBench bench = new InferenceBench(modelDirectory, intraOpThreads, texts)) {
            out.printf("model %s (%s), %d texts of %s tokens (mean %.1f), %d intra-op threads, %d repeats,"
                    + " operator flushes %d batches%s%n", modelDirectory, bench.model().task(), records, workload.lengths,
                    bench.meanTokens(), intraOpThreads, repeats, flushBatches, shared ? " (shared batcher)" : "");
            int n = batchSizes.size();
            // Variants interleaved within each repeat, so that a noisy neighbour slows all of them alike.
            double[][] rawSeconds = new double[n][repeats];
            double[][] operatorSeconds = new double[n][repeats];
            double[] naiveSeconds = new double[repeats];
            for (int r = -1; r < repeats; r++) { // pass -1 warms up
                for (int i = 0; i < n; i++) {
                    int b = batchSizes.get(i);
                    double rawPass = bench.raw(b);
                    double operatorPass = bench.operator(b, flushBatches, shared);
                    if (r >= 0) {
                        rawSeconds[i][r] = rawPass;
                        operatorSeconds[i][r] = operatorPass;
                    }
                }
                double naivePass = bench.naive();
                if (r >= 0) {
                    naiveSeconds[r] = naivePass;
                }
            }
            double[] raw = new double[n];
            double[] operator = new double[n];
            for (int i = 0; i < n; i++) {
                raw[i] = records / BenchFigures.median(rawSeconds[i]);
                operator[i] = records / BenchFigures.median(operatorSeconds[i]);
                out.printf("batch %3d:  raw %,10.1f rec/s   operator %,10.1f rec/s   operator/raw %.2f%n",
                        batchSizes.get(i), raw[i], operator[i], operator[i] / raw[i]);
            }
            double naive = records / BenchFigures.median(naiveSeconds);
            out.printf("per-record map: %,10.1f rec/s%n", naive);
            int best = 0;
            for (int i = 1; i < n; i++) {
                best = operator[i] > operator[best] ? i : best;
            }
            out.printf("best operator batch size: %d%n", batchSizes.get(best));
            out.printf(Locale.ROOT, "operator/raw: %.2f%n", operator[best] / raw[best]);
            out.printf(Locale.ROOT, "operator/naive: %.2f%n", operator[best] / naive);
            writeJson(bench, records, raw, operator, naive, best);
        }
        return 0;
    }

    private void writeJson(InferenceBench bench, int records, double[] raw, double[] operator, double naive, int best)
            throws IOException {
        ObjectNode root = BenchFigures.root("inference");
        root.put("model_dir", modelDirectory.toString());
        root.put("task", bench.model().task().name());
        root.put("records", records);
        root.put("lengths", workload.lengths);
        root.put("mean_tokens", bench.meanTokens());
        root.put("intra_op_threads", intraOpThreads);
        root.put("repeats", repeats);
        root.put("shared_batcher", shared);
        root.put("flush_batches", flushBatches);
        ArrayNode sizes = root.putArray("batch_sizes");
        for (int i = 0; i < raw.length; i++) {
            sizes.addObject().put("batch_size", batchSizes.get(i)).put("raw_records_per_s", raw[i])
                    .put("operator_records_per_s", operator[i]).put("operator_over_raw", operator[i] / raw[i]);
        }
        root.put("naive_records_per_s", naive);
        root.put("best_batch_size", batchSizes.get(best));
        root.put("operator_over_raw", operator[best] / raw[best]);
        root.put("operator_over_naive", operator[best] / naive);
        root.put("available_processors", Runtime.getRuntime().availableProcessors());
        BenchFigures.write(root, jsonOut, spec.commandLine().getOut());
    }
}
