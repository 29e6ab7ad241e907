package dev.flinkalbert.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import dev.flinkalbert.cli.InferenceBench.OperatorMode;
import picocli.CommandLine.Command;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./albert bench inference}: records/s of (a) ONNX Runtime alone on pre-tokenized batches, cut from flushes
 * as the operator cuts them ({@code raw}) and from all the texts sorted together ({@code raw-sorted}),
 * (b) the micro-batching operator on a MiniCluster, synchronous and pipelined (tokenizing the next batch while the
 * engine runs one), optionally the shared batcher and the operator at N subtasks, and (c) a per-record map, at each
 * batch size, on the same generated texts; medians of the repeats (variants interleaved) after a warm-up pass. Ends
 * with {@code operator/raw}, {@code pipelined/raw}, {@code shared/operator}, {@code scaling} and {@code operator/naive}
 * at the synchronous operator's best batch size.
 */
@Command(
        name = "inference",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Model throughput: ONNX Runtime alone vs the micro-batching operator (synchronous, pipelined,"
                + " shared, N subtasks) vs a per-record map.")
public final class BenchInferenceCommand implements Callable<Integer> {

    static final String DEFAULT_JSON_OUT = "target/bench-inference.json";


    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model-dir", required = true, paramLabel = "DIR",
            description = "A classification or embedding model directory")
    Path modelDirectory;

    @CommandLine.Mixin
    BenchWorkloadOptions workload;

    @CommandLine.Mixin
    BenchPassOptions passes;

    @Option(names = "--batch-sizes", defaultValue = "1,8,32,64", split = ",", paramLabel = "N,…",
            description = "Batch sizes (default: ${DEFAULT-VALUE})")
    List<Integer> batchSizes;

    @Option(names = "--flush-batches", defaultValue = "" + BenchWorkloadOptions.DEFAULT_FLUSH_BATCHES, paramLabel = "K",
            description = "The operator flushes K batches at once, sorted by length before they are cut into"
                    + " calls of the batch size (default: ${DEFAULT-VALUE})")
    int flushBatches;

    @Option(names = "--shared-batcher",
            description = "Also run the operator in its shared-per-TaskManager mode, beside the per-subtask one")
    boolean shared;

    @Option(names = "--parallelism", defaultValue = "1", paramLabel = "N",
            description = "Also run both operators at N subtasks (each with its own intra-op threads, one shared"
                    + " session) and print their scaling = records/s at N ÷ at 1 (default: ${DEFAULT-VALUE}, off)")
    int parallelism;

    @Option(names = "--json-out", defaultValue = DEFAULT_JSON_OUT, paramLabel = "FILE",
            description = "Where to write the figures (default: ${DEFAULT-VALUE})")
    Path jsonOut;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        passes.check(spec.commandLine());
        if (flushBatches < 1 || parallelism < 1 || batchSizes.stream().anyMatch(b -> b < 1)) {
            throw new ParameterException(spec.commandLine(),
                    "--flush-batches, --parallelism and --batch-sizes must be >= 1");
        }
        if (parallelism > BenchCluster.SLOTS) {
            throw new ParameterException(spec.commandLine(), "--parallelism " + parallelism + " is more than the "
                    + BenchCluster.SLOTS + " slots of the bench's TaskManager (the machine's cores, at least 4)");
        }
        int largest = batchSizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
        int records = passes.records(spec.commandLine(), modelDirectory, workload, largest, parallelism);
        List<String> texts = BenchTexts.forModel(spec.commandLine(), modelDirectory, null, workload.lengths, records);
        List<Variant> variants = variants();
        try (InferenceBench bench = new InferenceBench(modelDirectory, passes.intraOpThreads, texts)) {
            out.printf("model %s (%s), %d texts of %s tokens (mean %.1f), %d intra-op threads, %d repeats,"
                    + " operator flushes %d batches%n", modelDirectory, bench.model().task(), records, workload.lengths,
                    bench.meanTokens(), passes.intraOpThreads, passes.repeats, flushBatches);
            int n = batchSizes.size();
            // [batch size][variant][repeat]; variants interleaved within each repeat, so that a noisy neighbour slows
            // all of them alike
            double[][][] seconds = new double[n][variants.size()][passes.repeats];
            double[] naiveSeconds = new double[passes.repeats];
            for (int r = -1; r < passes.repeats; r++) { // pass -1 warms up
                for (int i = 0; i < n; i++) {
                    for (int v = 0; v < variants.size(); v++) {
                        double pass = variants.get(v).run(bench, batchSizes.get(i), flushBatches);
                        if (r >= 0) {
                            seconds[i][v][r] = pass;
                        }
                    }
                }
                double naivePass = bench.naive();
                if (r >= 0) {
                    naiveSeconds[r] = naivePass;
                }
            }
            double[][] perSecond = new double[n][variants.size()];
            for (int i = 0; i < n; i++) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "batch %3d:", batchSizes.get(i)));
                for (int v = 0; v < variants.size(); v++) {
                    perSecond[i][v] = records / BenchFigures.median(seconds[i][v]);
                    line.append(String.format(Locale.ROOT, "  %s %,.1f", variants.get(v).label, perSecond[i][v]));
                }
                line.append(" rec/s  ");
                for (int v = 1; v < variants.size(); v++) {
                    line.append(String.format(Locale.ROOT, "  %s %.2f", variants.get(v).ratioLabel(),
                            perSecond[i][v] / perSecond[i][variants.get(v).baseline]));
                }
                out.println(line);
            }
            double naive = records / BenchFigures.median(naiveSeconds);
            out.printf("per-record map: %,10.1f rec/s%n", naive);
            int best = 0;
            for (int i = 1; i < n; i++) {
                best = perSecond[i][OPERATOR] > perSecond[best][OPERATOR] ? i : best;
            }
            out.printf("best operator batch size: %d%n", batchSizes.get(best));
            for (int v = 1; v < variants.size(); v++) {
                Variant variant = variants.get(v);
                out.printf(Locale.ROOT, "%s: %.2f%n", variant.ratioLabel(),
                        perSecond[best][v] / perSecond[best][variant.baseline]);
            }
            out.printf(Locale.ROOT, "operator/naive: %.2f%n", perSecond[best][OPERATOR] / naive);
            writeJson(bench, records, variants, perSecond, naive, best);
        }
        return 0;
    }

    /** Index of ONNX Runtime alone and of the synchronous operator among the {@link #variants()}. */
    private static final int RAW = 0;
    private static final int OPERATOR = 1;
    private static final int PIPELINED = 2;

    /**
     * What each repeat runs, in order: ONNX Runtime alone on the operator's flushes (the same calls and padding: the
     * operator's ceiling), the synchronous operator, the pipelined one, the shared batcher (with
     * {@code --shared-batcher}), both operators at {@code --parallelism} subtasks, and ONNX Runtime alone on all the
     * texts sorted together (what whole-input sorting, impossible in a stream, would gain: {@code raw-sorted/raw}).
     */
    private List<Variant> variants() {
        List<Variant> variants = new java.util.ArrayList<>();
        variants.add(new Variant("raw", RAW, (bench, b, k) -> bench.raw(b, b * k)));
        variants.add(new Variant("operator", RAW, (bench, b, k) -> bench.operator(b, k, OperatorMode.SYNCHRONOUS, 1)));
        variants.add(new Variant("pipelined", RAW, (bench, b, k) -> bench.operator(b, k, OperatorMode.PIPELINED, 1)));
        if (shared) {
            variants.add(new Variant("shared", OPERATOR,
                    (bench, b, k) -> bench.operator(b, k, OperatorMode.SHARED_BATCHER, 1)));
        }
        if (parallelism > 1) {
            int p = parallelism;
            variants.add(new Variant("operator x" + p, OPERATOR,
                    (bench, b, k) -> bench.operator(b, k, OperatorMode.SYNCHRONOUS, p)));
            variants.add(new Variant("pipelined x" + p, PIPELINED,
                    (bench, b, k) -> bench.operator(b, k, OperatorMode.PIPELINED, p)));
        }
        // What sorting the whole input by length, which no stream can, would gain over the operator's flushes.
        variants.add(new Variant("raw-sorted", RAW, (bench, b, k) -> bench.raw(b)));
        return variants;
    }

    /** One timed way of running the texts; its ratio is taken against the variant at {@code baseline}. */
    private record Variant(String label, int baseline, Pass pass) {

        double run(InferenceBench bench, int batchSize, int flushBatches) throws Exception {
            return pass.seconds(bench, batchSize, flushBatches);
        }

        /**
         * {@code pipelined/raw}, {@code shared/operator}; a parallel operator's ratio to itself at one subtask is its
         * scaling ({@code scaling} for the synchronous operator, {@code pipelined scaling}).
         */
        String ratioLabel() {
            if (label.startsWith("operator x")) {
                return "scaling";
            }
            if (label.startsWith("pipelined x")) {
                return "pipelined scaling";
            }
            return label + "/" + (baseline == RAW ? "raw" : "operator");
        }
    }

    @FunctionalInterface
    private interface Pass {
        double seconds(InferenceBench bench, int batchSize, int flushBatches) throws Exception;
    }

    private void writeJson(InferenceBench bench, int records, List<Variant> variants, double[][] perSecond,
            double naive, int best) throws IOException {
        ObjectNode root = BenchFigures.root("inference");
        root.put("model_dir", modelDirectory.toString());
        root.put("task", bench.model().task().name());
        root.put("records", records);
        root.put("lengths", workload.lengths);
        root.put("mean_tokens", bench.meanTokens());
        root.put("intra_op_threads", passes.intraOpThreads);
        root.put("repeats", passes.repeats);
        root.put("flush_batches", flushBatches);
        root.put("parallelism", parallelism);
        ArrayNode sizes = root.putArray("batch_sizes");
        for (int i = 0; i < perSecond.length; i++) {
            ObjectNode size = sizes.addObject().put("batch_size", batchSizes.get(i));
            for (int v = 0; v < variants.size(); v++) {
                Variant variant = variants.get(v);
                String key = variant.label().replace(' ', '_');
                size.put(key + "_records_per_s", perSecond[i][v]);
                if (v > 0) {
                    size.put(jsonKey(variant), perSecond[i][v] / perSecond[i][variant.baseline()]);
                }
            }
        }
        root.put("naive_records_per_s", naive);
        root.put("best_batch_size", batchSizes.get(best));
        for (int v = 1; v < variants.size(); v++) {
            Variant variant = variants.get(v);
            root.put(jsonKey(variant), perSecond[best][v] / perSecond[best][variant.baseline()]);
        }
        root.put("operator_over_naive", perSecond[best][OPERATOR] / naive);
        root.put("available_processors", Runtime.getRuntime().availableProcessors());
        BenchFigures.write(root, jsonOut, spec.commandLine().getOut());
    }

    /** {@code operator_over_raw}, {@code shared_over_operator}, {@code scaling}, {@code pipelined_scaling}. */
    private static String jsonKey(Variant variant) {
        return variant.ratioLabel().replace("/", "_over_").replace(' ', '_');
    }
}
