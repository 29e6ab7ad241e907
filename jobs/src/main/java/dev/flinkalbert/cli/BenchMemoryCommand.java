package dev.flinkalbert.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.flink.AlbertTransform;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.jobs.AlbertJob;
import dev.flinkalbert.jobs.OperatorOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./albert bench memory}: what a TaskManager's memory does with more subtasks of one model. The same job (the
 * bench texts in a loop → the model's operator as the jobs build it → a counting sink) runs at parallelism 1 and at
 * {@code --subtasks} on a TaskManager of {@code --subtasks} slots, each in a fresh JVM ({@link MemoryProbe}) with the
 * same class path and the same fixed, pre-touched heap; after the warm-up each samples its resident set from
 * {@code /proc/self/status}. The pair of JVMs runs {@code --repeats} times (1, N, 1, N, …: a resident set moves by
 * tens of MiB between two runs of the same JVM), and the bench ends with {@code memory/model} = the median of
 * (RSS at N − RSS at 1) ÷ the size of {@code model.onnx}: near 0 when the subtasks share one ONNX Runtime session and
 * run one batch at a time, near N − 1 when each loads the model. With {@code --soak}, the last N-subtask JVM then
 * keeps running and sampling, and the bench ends with {@code soak growth} in MiB/min.
 */
@Command(
        name = "memory",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        defaultValueProvider = OperatorOptions.Defaults.class,
        description = "TaskManager memory (resident set) with 1 vs N subtasks of one model, and its growth over a soak.")
public final class BenchMemoryCommand implements Callable<Integer> {

    static final String DEFAULT_JSON_OUT = "target/bench-memory.json";

    private static final Pattern HEAP_SIZE = Pattern.compile("[1-9][0-9]*[kKmMgG]");
    private static final double MIB = 1024.0 * 1024.0;
    private static final long MIN_HEAP_BYTES = 128L << 20;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model-dir", required = true, paramLabel = "DIR",
            description = "A classification, embedding or token-classification model directory")
    Path modelDirectory;

    @Option(names = "--subtasks", defaultValue = "4", paramLabel = "N",
            description = "Subtasks of the model in the TaskManager, compared with 1 (default: ${DEFAULT-VALUE})")
    int subtasks;

    @CommandLine.Mixin
    BenchWorkloadOptions workload;

    /** The operator's options, as the jobs have them, with the jobs' defaults. */
    @CommandLine.Mixin
    OperatorOptions operator;

    @Option(names = "--texts", defaultValue = "1000", paramLabel = "N",
            description = "Distinct texts the source repeats (default: ${DEFAULT-VALUE})")
    int texts;

    @Option(names = "--warm-up", defaultValue = "30s", paramLabel = "DURATION",
            converter = AlbertJob.DurationConverter.class,
            description = "Least time the job runs before the samples (default: ${DEFAULT-VALUE})")
    Duration warmUp;

    @Option(names = "--warm-up-records", defaultValue = "1000", paramLabel = "N",
            description = "Least results before the samples (default: ${DEFAULT-VALUE})")
    long warmUpRecords;

    @Option(names = "--samples", defaultValue = "5", paramLabel = "N",
            description = "Resident-set samples after the warm-up; the median counts (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--sample-interval", defaultValue = "2s", paramLabel = "DURATION",
            converter = AlbertJob.DurationConverter.class,
            description = "Time between samples (default: ${DEFAULT-VALUE})")
    Duration sampleInterval;

    @Option(names = "--repeats", defaultValue = "3", paramLabel = "N",
            description = "Pairs of measuring JVMs (1 subtask, then N); the median growth counts"
                    + " (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--heap", defaultValue = "1g", paramLabel = "SIZE",
            description = "Heap of each measuring JVM, -Xms = -Xmx and pre-touched, so that both hold it resident"
                    + " in full and the difference is what the subtasks add (default: ${DEFAULT-VALUE})")
    String heap;

    @Option(names = "--soak", paramLabel = "DURATION", converter = AlbertJob.DurationConverter.class,
            description = "Keep the N-subtask job running this long after its samples (e.g. 5m), sampling the"
                    + " resident set; ends with 'soak growth: N.N MiB/min' (default: no soak)")
    Duration soak;

    @Option(names = "--soak-interval", defaultValue = "10s", paramLabel = "DURATION",
            converter = AlbertJob.DurationConverter.class,
            description = "Time between soak samples (default: ${DEFAULT-VALUE})")
    Duration soakInterval;

    @Option(names = "--json-out", defaultValue = DEFAULT_JSON_OUT, paramLabel = "FILE",
            description = "Where to write the figures; the measuring JVMs' logs go beside it (default: ${DEFAULT-VALUE})")
    Path jsonOut;

    /** The model's task, the texts the source repeats and the size of {@code model.onnx}. */
    private record Workload(ModelTask task, List<String> texts, long modelBytes) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Duration soakFor = soak == null ? Duration.ZERO : soak;
        checkOptions(soakFor);
        if (!ProcessMemory.available()) {
            spec.commandLine().getErr().println("bench memory reads the resident set from " + ProcessMemory.STATUS
                    + ", which this system does not have (it needs Linux)");
            return 1;
        }
        Workload work = workload();
        AlbertTransform<?, ?> transform;
        try {
            transform = configure(AlbertTransform.builder(work.task()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        out.printf("model %s (%s), model.onnx %.1f MiB; %,d texts of %s tokens in a loop; batch %d, flushes of %d"
                + " batches, intra-op threads %d, %s operator%n", modelDirectory, work.task(), work.modelBytes() / MIB,
                texts, workload.lengths, operator.batchSize(), operator.flushBatches(), operator.intraOpThreads(),
                mode());
        out.printf("each measurement in a fresh JVM (%s), a TaskManager of %d slots; warm-up at least %d s and %,d"
                + " results, then %d samples %s apart%n", String.join(" ", MemoryProbe.jvmOptions(heap)), subtasks,
                warmUp.toSeconds(), warmUpRecords, samples, format(sampleInterval));

        List<ObjectNode> runs = new ArrayList<>();
        double[] growths = new double[repeats];
        try {
            for (int r = 1; r <= repeats; r++) {
                ObjectNode one = measure(transform, work.texts(), 1, r, Duration.ZERO, out);
                ObjectNode many = measure(transform, work.texts(), subtasks, r,
                        r == repeats ? soakFor : Duration.ZERO, out);
                growths[r - 1] = many.get("rss_mib").asDouble() - one.get("rss_mib").asDouble();
                out.printf("  repeat %d: growth %.1f MiB%n", r, growths[r - 1]);
                runs.add(one);
                runs.add(many);
            }
        } catch (MemoryProbe.ProbeFailedException e) {
            spec.commandLine().getErr().println("bench memory: " + e.getMessage());
            return 1;
        }

        double growthMib = BenchFigures.median(growths);
        double memoryOverModel = growthMib * MIB / work.modelBytes();
        out.printf("growth: %.1f MiB (median of %d) for %d more subtasks; model.onnx %.1f MiB%n", growthMib, repeats,
                subtasks - 1, work.modelBytes() / MIB);
        ObjectNode last = runs.get(runs.size() - 1);
        ObjectNode soakFigures = last.has("soak") ? soakFigures((ArrayNode) last.remove("soak")) : null;
        if (soakFigures != null) {
            out.printf("soak (%d subtasks, %d samples): first %.1f MiB, last %.1f MiB, max %.1f MiB%n", subtasks,
                    soakFigures.get("samples").size(), soakFigures.get("first_mib").asDouble(),
                    soakFigures.get("last_mib").asDouble(), soakFigures.get("max_mib").asDouble());
        }
        out.printf(Locale.ROOT, "memory/model: %.2f%n", memoryOverModel);
        if (soakFigures != null) {
            out.printf(Locale.ROOT, "soak growth: %.1f MiB/min%n", soakFigures.get("growth_mib_per_min").asDouble());
        }

        ObjectNode root = settingsJson(work);
        ArrayNode runsNode = root.putArray("runs");
        runs.forEach(runsNode::add);
        ArrayNode growthsNode = root.putArray("rss_growths_mib");
        for (double g : growths) {
            growthsNode.add(g);
        }
        root.put("rss_growth_mib", growthMib);
        root.put("memory_over_model", memoryOverModel);
        if (soakFigures != null) {
            root.set("soak", soakFigures);
        }
        BenchFigures.write(root, jsonOut, out);
        return 0;
    }

    /** Opens the model once (a bad directory or a QA model is a usage error) for its task and the bench texts. */
    private Workload workload() throws IOException {
        int[] lengths;
        try {
            lengths = BenchTexts.range(workload.lengths);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ModelTask task;
        List<String> benchTexts;
        try (AlbertModel model = AlbertModel.builder().modelDirectory(modelDirectory).build()) {
            task = model.task();
            benchTexts = BenchTexts.generate(model.tokenizer(), texts, lengths[0], lengths[1]);
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), "--model-dir " + modelDirectory + ": " + e.getMessage(), e);
        }
        if (task == ModelTask.QUESTION_ANSWERING) {
            throw new ParameterException(spec.commandLine(), "--model-dir " + modelDirectory + " is a question-"
                    + "answering model: this benchmark needs a classification, embedding or token-classification model");
        }
        return new Workload(task, benchTexts, Files.size(modelDirectory.resolve(AlbertModel.MODEL_FILE)));
    }

    /**
     * One child JVM at {@code parallelism} in repeat {@code repeat} (soaking for {@code soakFor} after its samples);
     * its figures, printed.
     */
    private ObjectNode measure(AlbertTransform<?, ?> transform, List<String> benchTexts, int parallelism, int repeat,
            Duration soakFor, PrintWriter out) throws Exception {
        MemoryProbe.Plan plan = new MemoryProbe.Plan(transform, benchTexts, parallelism, subtasks, warmUp,
                warmUpRecords, samples, sampleInterval, soakFor, soakInterval);
        if (!soakFor.isZero()) {
            out.printf("soak: %d subtasks for %s after their samples, a sample every %s%n", parallelism,
                    format(soakFor), format(soakInterval));
        }
        Path log = logFile(parallelism, repeat);
        ObjectNode run = MemoryProbe.run(plan, heap, log, sample -> out.printf(
                "  soak %6.0f s: RSS %8.1f MiB, %,d results%n", sample.get("t_s").asDouble(),
                sample.get("rss_mib").asDouble(), sample.get("results").asLong()));
        run.put("repeat", repeat);
        run.put("log", log.toString());
        int opened = run.get("sessions_opened").asInt();
        int users = run.get("session_users").asInt();
        out.printf("%d subtask%s: RSS %.1f MiB (VmHWM %.1f), heap after GC %.1f MiB, %d threads, %d ONNX Runtime"
                + " session%s opened for %d user%s, %,d results%n", parallelism, parallelism == 1 ? " " : "s",
                run.get("rss_mib").asDouble(), run.get("hwm_mib").asDouble(),
                run.get("heap_used_after_gc_mib").asDouble(), run.get("threads").asInt(), opened,
                opened == 1 ? "" : "s", users, users == 1 ? "" : "s", run.get("results").asLong());
        return run;
    }

    /** The JSON figures' settings part: what was measured, and how. */
    private ObjectNode settingsJson(Workload work) {
        ObjectNode root = BenchFigures.root("memory");
        root.put("model_dir", modelDirectory.toString());
        root.put("task", work.task().name());
        root.put("model_onnx_bytes", work.modelBytes());
        root.put("texts", texts);
        root.put("lengths", workload.lengths);
        root.put("batch_size", operator.batchSize());
        root.put("flush_batches", operator.flushBatches());
        root.put("intra_op_threads", operator.intraOpThreads());
        root.put("operator_mode", mode());
        root.put("subtasks", subtasks);
        root.put("repeats", repeats);
        root.put("heap", heap);
        ArrayNode jvm = root.putArray("jvm_options");
        MemoryProbe.jvmOptions(heap).forEach(jvm::add);
        root.put("warm_up_s", warmUp.toMillis() / 1000.0);
        root.put("warm_up_records", warmUpRecords);
        root.put("samples", samples);
        root.put("sample_interval_s", sampleInterval.toMillis() / 1000.0);
        root.put("available_processors", Runtime.getRuntime().availableProcessors());
        return root;
    }

    private String mode() {
        return matched("--shared-batcher") ? "shared batcher" : matched("--pipelined") ? "pipelined" : "per subtask";
    }

    private void checkOptions(Duration soakFor) {
        if (subtasks < 2) {
            throw new ParameterException(spec.commandLine(), "--subtasks must be >= 2 (it is compared with 1)");
        }
        if (texts < 1 || samples < 1 || repeats < 1 || warmUpRecords < 0) {
            throw new ParameterException(spec.commandLine(),
                    "--texts, --samples and --repeats must be >= 1, --warm-up-records >= 0");
        }
        if (operator.batchSize() < 1 || operator.flushBatches() < 1 || operator.intraOpThreads() < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--batch-size, --flush-batches and --intra-op-threads must be >= 1");
        }
        if (warmUp.isNegative() || sampleInterval.toMillis() < 1 || soakFor.isNegative()
                || soakInterval.toMillis() < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--warm-up and --soak must not be negative, --sample-interval and --soak-interval at least 1 ms");
        }
        if (!soakFor.isZero() && soakFor.compareTo(soakInterval) < 0) {
            throw new ParameterException(spec.commandLine(), "--soak (" + format(soakFor) + ") must be at least"
                    + " --soak-interval (" + format(soakInterval) + "), so that it has two samples or more");
        }
        if (!HEAP_SIZE.matcher(heap).matches() || heapBytes(heap) < MIN_HEAP_BYTES) {
            throw new ParameterException(spec.commandLine(), "--heap must be a JVM heap size of 128m or more (a"
                    + " MiniCluster runs in it), such as 512m or 1g, got " + heap);
        }
    }

    /** The head's operator as the jobs build it (a method of its own to name the builder's types). */
    private <B extends AlbertTransform.Builder<B, T>, T extends AlbertTransform<?, ?>> T configure(
            AlbertTransform.Builder<B, T> builder) {
        builder.modelDirectory(modelDirectory);
        return operator.applyTo(builder.self(), "bench-memory").build();
    }

    /** The bytes of a JVM size such as {@code 512m} (already matched by {@link #HEAP_SIZE}). */
    static long heapBytes(String size) {
        long number = Long.parseLong(size.substring(0, size.length() - 1));
        int shift = switch (Character.toLowerCase(size.charAt(size.length() - 1))) {
            case 'k' -> 10;
            case 'm' -> 20;
            default -> 30;
        };
        return number > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : number << shift;
    }

    private boolean matched(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** The log of the measuring JVM at {@code parallelism} in repeat {@code repeat}, beside the JSON figures. */
    private Path logFile(int parallelism, int repeat) {
        Path parent = jsonOut.toAbsolutePath().getParent();
        return parent.resolve("bench-memory-p" + parallelism + "-r" + repeat + ".log");
    }

    /**
     * First, last and largest soak sample, and the growth in MiB per minute: the slope of the least-squares line
     * through the samples (all after the warm-up), so that one noisy sample does not decide it.
     */
    static ObjectNode soakFigures(ArrayNode samples) {
        int n = samples.size();
        double[] t = new double[n];
        double[] rss = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = samples.get(i).get("t_s").asDouble() / 60;
            rss[i] = samples.get(i).get("rss_mib").asDouble();
        }
        ObjectNode figures = BenchFigures.JSON.createObjectNode();
        figures.put("first_mib", rss[0]);
        figures.put("last_mib", rss[n - 1]);
        double max = rss[0];
        for (double r : rss) {
            max = Math.max(max, r);
        }
        figures.put("max_mib", max);
        figures.put("growth_mib_per_min", slope(t, rss));
        figures.set("samples", samples);
        return figures;
    }

    /** {@code 500ms}, {@code 10s}, {@code 5m}: as the duration options are written. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 60_000 == 0 && millis > 0 ? millis / 60_000 + "m"
                : millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /** The least-squares slope of {@code y} over {@code x} (0 for fewer than two distinct x). */
    static double slope(double[] x, double[] y) {
        int n = x.length;
        double meanX = 0;
        double meanY = 0;
        for (int i = 0; i < n; i++) {
            meanX += x[i] / n;
            meanY += y[i] / n;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - meanX) * (y[i] - meanY);
            sxx += (x[i] - meanX) * (x[i] - meanX);
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }
}
