package dev.flinkalbert.model.checkpoint;

import ai.djl.ndarray.NDManager;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model directory in Hugging Face's layout: {@code config.json} + {@code model.safetensors}, which
 * {@code transformers}' {@code from_pretrained} loads and which this module loads for fine-tuning.
 *
 * <pre>{@code
 * try (AlbertModel model = HfCheckpoint.load(dir, AlbertTask.SEQUENCE_CLASSIFICATION, 42L, manager)) {
 *     ... train ...
 *     HfCheckpoint.save(model, outputDir);
 * }
 * }</pre>
 */
public final class HfCheckpoint {

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";

    private HfCheckpoint() {}

    /** The config of a model directory. */
    public static AlbertConfig config(Path dir) throws IOException {
        return AlbertConfig.read(require(dir, CONFIG_FILE));
    }

    /**
     * Loads a model directory as the given task; heads the checkpoint lacks are initialised from {@code seed}.
     * With a null task, the task is that of {@code config.json}'s {@code architectures}.
     */
    public static AlbertModel load(Path dir, AlbertTask task, long seed, NDManager manager) throws IOException {
        return load(dir, config(dir), task, seed, manager);
    }

    /** Loads the weights of a directory into a model of the given config (e.g. new labels; null: the directory's). */
    public static AlbertModel load(Path dir, AlbertConfig config, AlbertTask task, long seed, NDManager manager)
            throws IOException {
        AlbertTask effective = task != null ? task : architectureOf(dir);
        Map<String, SafeTensors.Tensor> weights = SafeTensors.read(require(dir, WEIGHTS_FILE));
        return AlbertModel.fromWeights(config != null ? config : config(dir), effective, weights, seed, manager);
    }

    /** The task named by a directory's {@code config.json} ({@code AlbertModel} when it names none). */
    public static AlbertTask architectureOf(Path dir) throws IOException {
        var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(require(dir, CONFIG_FILE).toFile());
        var architectures = root.path("architectures");
        return architectures.isArray() && architectures.size() > 0
                ? AlbertTask.fromArchitecture(architectures.get(0).asText()) : AlbertTask.BASE;
    }

    /** Writes {@code config.json} and {@code model.safetensors} into {@code dir} (created if absent). */
    public static void save(AlbertModel model, Path dir) throws IOException {
        Files.createDirectories(dir);
        model.config().write(dir.resolve(CONFIG_FILE), model.task().architecture());
        SafeTensors.write(dir.resolve(WEIGHTS_FILE), model.checkpointWeights(), Map.of("format", "pt"));
    }

    private static Path require(Path dir, String file) throws IOException {
        Path p = dir.resolve(file);
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(p.toString(), null, "a Hugging Face model directory needs " + file
                    + " (save the model with save_pretrained(..., safe_serialization=True))");
        }
        return p;
    }
}
