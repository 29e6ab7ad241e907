package dev.flinkalbert.model.cli;

import ai.djl.ndarray.NDManager;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.export.OnnxExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./albert train export}: a checkpoint to an ONNX model directory, or (with {@code --config}) a freshly
 * initialised model of a given shape, for speed and memory checks of sizes no test model has.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a Hugging Face-layout checkpoint (ours or transformers') to ONNX (opset 17): "
                + "model.onnx, config.json and spiece.model, a directory the operators load as it is.",
            "Example: ./albert train export --model models/sentiment --out models/sentiment-onnx",
            "Random weights of a given shape (benchmarks only; its predictions mean nothing): ./albert train export "
                + "--config docs/examples/albert-base-v2-config.json --vocab testdata/albert-base-v2/spiece.model "
                + "--out models/albert-base-random"})
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR", description = "The checkpoint (config.json, model.safetensors).")
    Path model;
    @Option(names = "--config", paramLabel = "FILE", description = "Instead of --model: a config.json whose shape "
            + "gets random weights as transformers initialises them (see --seed).")
    Path config;
    @Option(names = "--seed", defaultValue = "42", description = "The random weights' seed, with --config. "
            + "Default: ${DEFAULT-VALUE}.")
    long seed;
    @Option(names = "--out", paramLabel = "DIR", description = "Default: the --model directory.") Path out;
    @Option(names = "--task", description = "base, sequence-classification, question-answering or masked-lm. "
            + "Default: the checkpoint's or config's own (pretraining: masked-lm; a config naming none: base).")
    String task;
    @Option(names = "--vocab", paramLabel = "FILE", description = "Default: <model>/spiece.model.") Path vocab;
    @Option(names = "--model-version", defaultValue = "1") String modelVersion;

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (config == null)) {
            throw new IllegalArgumentException("give either --model DIR (a checkpoint) or --config FILE (random "
                    + "weights of that shape)");
        }
        if (config != null && (out == null || vocab == null)) {
            throw new IllegalArgumentException("with --config, also give --out DIR and --vocab spiece.model");
        }
        Path target = out != null ? out : model;
        Path spiece = vocab != null ? vocab : model.resolve(OnnxExporter.VOCABULARY_FILE);
        if (!Files.isRegularFile(spiece)) {
            throw new IllegalArgumentException("no vocabulary at " + spiece + ": pass --vocab spiece.model");
        }
        try (NDManager manager = NDManager.newBaseManager();
                AlbertModel loaded = config != null ? randomModel(manager) : HfCheckpoint.load(model, null, 0L, manager)) {
            OnnxExporter.Builder b = OnnxExporter.builder().model(loaded).modelVersion(modelVersion).vocabulary(spiece);
            if (task != null) {
                b.task(parseTask(task));
            }
            b.build().writeModelDirectory(target);
        }
        System.out.println("wrote " + target.resolve(OnnxExporter.MODEL_FILE));
        return 0;
    }

    /** The --config shape with fresh weights; its task is --task, else the config's architecture. */
    private AlbertModel randomModel(NDManager manager) throws java.io.IOException {
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException("no config.json at " + config);
        }
        var architectures = new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile())
                .path("architectures");
        AlbertTask shapeTask = task != null ? parseTask(task) : architectures.isArray() && architectures.size() > 0
                ? AlbertTask.fromArchitecture(architectures.get(0).asText()) : AlbertTask.BASE;
        return AlbertModel.initialize(AlbertConfig.read(config), shapeTask, seed, manager);
    }

    private static AlbertTask parseTask(String name) {
        return AlbertTask.valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }
}
