package dev.flinkalbert.model.cli;

import ai.djl.ndarray.NDManager;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.export.OnnxExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./albert train export}: a checkpoint to an ONNX model directory. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a Hugging Face-layout checkpoint (ours or transformers') to ONNX (opset 17): "
                + "model.onnx, config.json and spiece.model, a directory the operators load as it is.",
            "Example: ./albert train export --model models/sentiment --out models/sentiment-onnx"})
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR") Path model;
    @Option(names = "--out", paramLabel = "DIR", description = "Default: the --model directory.") Path out;
    @Option(names = "--task", description = "base, sequence-classification, question-answering or masked-lm. "
            + "Default: the checkpoint's own (pretraining: masked-lm).")
    String task;
    @Option(names = "--vocab", paramLabel = "FILE", description = "Default: <model>/spiece.model.") Path vocab;
    @Option(names = "--model-version", defaultValue = "1") String modelVersion;

    @Override
    public Integer call() throws Exception {
        Path target = out != null ? out : model;
        Path spiece = vocab != null ? vocab : model.resolve(OnnxExporter.VOCABULARY_FILE);
        if (!Files.isRegularFile(spiece)) {
            throw new IllegalArgumentException("no vocabulary at " + spiece + ": pass --vocab spiece.model");
        }
        try (NDManager manager = NDManager.newBaseManager();
                AlbertModel loaded = HfCheckpoint.load(model, null, 0L, manager)) {
            OnnxExporter.Builder b = OnnxExporter.builder().model(loaded).modelVersion(modelVersion).vocabulary(spiece);
            if (task != null) {
                b.task(AlbertTask.valueOf(task.toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
            }
            b.build().writeModelDirectory(target);
        }
        System.out.println("wrote " + target.resolve(OnnxExporter.MODEL_FILE));
        return 0;
    }
}
