package dev.flinkalbert.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.flinkalbert.demo.Demo;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.InvalidModelException;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.jobs.AlbertJob;
import dev.flinkalbert.jobs.OperatorOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./albert demo}: Kafka, Flink and ALBERT in one process (see {@link Demo}). Without {@code --model-dir} it
 * runs the committed demo model of the task under the repository root (the launcher passes the root as the
 * {@code flinkalbert.root} system property): {@value #DEMO_MODEL} for {@code classify}, {@value #DEMO_ENCODER} (its
 * encoder, exported as a feature-extraction model) for {@code embed}. {@code qa} and {@code ner} have no committed
 * model: without {@code --model-dir}, or with a model of another task, the command says which model the task needs
 * and how to make one, and exits 2.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        defaultValueProvider = OperatorOptions.Defaults.class,
        description = {
            "Streams sample texts through Kafka into an ALBERT job on a local Flink MiniCluster and shows the results"
                    + " as they arrive, with throughput, batch size and end-to-end latency.",
            "Flink's web UI runs on http://127.0.0.1:8081 (another port if taken). Ctrl-C stops everything.",
        })
final class DemoCommand implements Callable<Integer> {

    /** The committed demo model, relative to the repository root. */
    static final String DEMO_MODEL = "model/demo-model";
    /** The demo model's encoder (a feature-extraction export of the same weights), relative to the repository root. */
    static final String DEMO_ENCODER = "model/demo-encoder";
    static final String ROOT_PROPERTY = "flinkalbert.root";

    @Option(names = "--task", defaultValue = "classify", paramLabel = "TASK", converter = TaskConverter.class,
            description = "classify, embed, qa (questions asked of each text) or ner (named entities);"
                    + " qa and ner need --model-dir (default: ${DEFAULT-VALUE})")
    ModelTask task;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "An ALBERT model directory of the task: model.onnx, config.json, spiece.model (default: the"
                    + " committed demo model, " + DEMO_MODEL + ", or its encoder " + DEMO_ENCODER + " for embed)")
    Path modelDir;

    @Option(names = "--rate", defaultValue = "" + Demo.Settings.DEFAULT_EVENTS_PER_SECOND, paramLabel = "N",
            description = "Sample events produced per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--events", defaultValue = "0", paramLabel = "N",
            description = "Stop after N results and print a summary; 0 runs until Ctrl-C (default: ${DEFAULT-VALUE})")
    long events;

    @CommandLine.Mixin
    OperatorOptions operator;

    @Option(names = "--checkpoint-interval", defaultValue = "1s", paramLabel = "DURATION",
            converter = AlbertJob.DurationConverter.class,
            description = "Results are committed (and become visible) at each checkpoint, e.g. 500ms, 1s"
                    + " (default: ${DEFAULT-VALUE})")
    Duration checkpointInterval;

    /** The earlier spelling, in milliseconds (its own field: picocli sets unmatched defaults after parsing). */
    @Option(names = "--checkpoint-interval-ms", hidden = true, paramLabel = "MS")
    Long checkpointIntervalMillis;

    /** {@code --checkpoint-interval}, or its earlier spelling when that was given. */
    Duration checkpointInterval() {
        return checkpointIntervalMillis != null ? Duration.ofMillis(checkpointIntervalMillis) : checkpointInterval;
    }

    @Option(names = "--web-ui-port", defaultValue = "" + Demo.Settings.DEFAULT_WEB_UI_PORT, paramLabel = "PORT",
            description = "Flink web UI port on 127.0.0.1; another free one when taken (default: ${DEFAULT-VALUE})")
    int webUiPort;

    @Option(names = "--report-every-s", defaultValue = "5", paramLabel = "S",
            description = "Seconds between figure lines (default: ${DEFAULT-VALUE})")
    int reportSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path model = existingModelDirectory();
        if (model == null || !fitsTask(model)) {
            return 2;
        }
        Demo.Settings settings;
        try {
            settings = new Demo.Settings(task, model, rate, events, operator, checkpointInterval(), webUiPort,
                    Duration.ofSeconds(reportSeconds));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Demo demo = new Demo(settings, System.out);
        CountDownLatch finished = new CountDownLatch(1);
        Thread stop = new Thread(() -> {
            demo.close();
            try {
                finished.await(10, TimeUnit.SECONDS);   // let run() print its summary
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(stop);
        try {
            return demo.run();
        } finally {
            finished.countDown();
        }
    }

    /** The committed demo model of {@code task}, relative to the repository root, or null where none is committed. */
    static String demoModel(ModelTask task) {
        return switch (task) {
            case CLASSIFICATION -> DEMO_MODEL;
            case EMBEDDINGS -> DEMO_ENCODER;
            default -> null;
        };
    }

    /** The model directory to run (--model-dir, else the committed demo model), or null after saying what to do. */
    private Path existingModelDirectory() {
        String demoModel = demoModel(task);
        if (modelDir == null && demoModel == null) {
            spec.commandLine().getErr().println(String.join(System.lineSeparator(),
                    "--task " + task.optionValue() + " needs " + needs(task) + ", and no demo model is committed for"
                            + " it. Make one from an ALBERT " + task.exportTask() + " model (from the Hugging Face"
                            + " hub, or your own fine-tune) and pass it:",
                    makeOne(task)));
            return null;
        }
        Path model = modelDir != null
                ? modelDir.toAbsolutePath().normalize()
                : Path.of(System.getProperty(ROOT_PROPERTY, ".")).resolve(demoModel).toAbsolutePath().normalize();
        if (Files.isDirectory(model)) {
            return model;
        }
        spec.commandLine().getErr().println(String.join(System.lineSeparator(),
                "No model directory at " + model + ".",
                modelDir != null
                        ? "Check --model-dir: it names a directory with model.onnx, config.json and spiece.model."
                        : "The demo model is committed at " + demoModel + ": restore it (git checkout -- "
                                + demoModel + "), or run the demo with another model directory.",
                "Any ALBERT model exported from Hugging Face works, for example:",
                "  optimum-cli export onnx --model albert-base-v2 --task text-classification /tmp/albert-cls",
                "  ./albert demo --model-dir /tmp/albert-cls",
                "(see the README, 'Bringing a Hugging Face model')."));
        return null;
    }

    /**
     * Whether {@code model} is a usable model of the task; if not, says why and how to make one. Opening it here
     * keeps a wrong model a usage mistake (exit 2, one message) rather than a failure of the running demo.
     */
    private boolean fitsTask(Path model) {
        ModelTask actual;
        try (AlbertModel opened = AlbertModel.builder().modelDirectory(model).build()) {
            actual = opened.task();
        } catch (InvalidModelException | IllegalArgumentException | IllegalStateException e) {
            spec.commandLine().getErr().println("--model-dir " + model + ": " + e.getMessage());
            return false;
        }
        if (actual == task) {
            return true;
        }
        spec.commandLine().getErr().println(String.join(System.lineSeparator(),
                "--task " + task.optionValue() + " needs " + needs(task) + ", but " + model + " is a "
                        + actual.exportTask() + " model (--task " + actual.optionValue() + "). Make one and pass it:",
                makeOne(task)));
        return false;
    }

    private static String needs(ModelTask task) {
        return "a " + task.exportTask() + " model (outputs " + String.join(" and ", new TreeSet<>(task.outputs()))
                + (task == ModelTask.TOKEN_CLASSIFICATION ? " per token" : "") + ")";
    }

    private static String makeOne(ModelTask task) {
        String dir = "/tmp/albert-" + task.optionValue();
        return "  optimum-cli export onnx --model MODEL --task " + task.exportTask() + " " + dir
                + System.lineSeparator() + "  ./albert demo --task " + task.optionValue() + " --model-dir " + dir
                + System.lineSeparator() + "(see the README, 'Bringing a Hugging Face model').";
    }

    /** {@code classify}, {@code embed}, {@code qa}, {@code ner}: the tasks as every command spells them. */
    static final class TaskConverter implements CommandLine.ITypeConverter<ModelTask> {
        @Override
        public ModelTask convert(String value) {
            try {
                return ModelTask.fromOptionValue(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
