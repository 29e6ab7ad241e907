package dev.flinkalbert.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of broken model directory fails at start-up with one message naming the problem and the fix. */
class ModelDirectoryContractTest {

    @TempDir
    Path temp;

    @Test
    void missingModelFile() throws IOException {
        Path dir = copyOf("seqcls", AlbertModel.MODEL_FILE);
        InvalidModelException e = rejected(dir);
        assertEquals(1, e.problems().size(), e.getMessage());
        assertContains(e, "model.onnx is missing: export the model to ONNX");
    }

    @Test
    void missingConfig() throws IOException {
        InvalidModelException e = rejected(copyOf("seqcls", "config.json"));
        assertContains(e, "config.json is missing: save the model's Hugging Face config");
    }

    @Test
    void missingTokenizerModel() throws IOException {
        InvalidModelException e = rejected(copyOf("seqcls", "spiece.model"));
        assertContains(e, "spiece.model is missing: copy the SentencePiece model");
    }

    @Test
    void tokenizerModelThatIsNotSentencePiece() throws IOException {
        Path dir = copyOf("seqcls", AlbertModel.TOKENIZER_FILE);
        Files.writeString(dir.resolve(AlbertModel.TOKENIZER_FILE), "not a protobuf", StandardCharsets.UTF_8);
        assertContains(rejected(dir), "spiece.model cannot be read as a SentencePiece model");
    }

    @Test
    void everyMissingFileIsNamedInOneMessage() throws IOException {
        Path dir = Files.createDirectory(temp.resolve("empty"));
        InvalidModelException e = rejected(dir);
        assertEquals(3, e.problems().size(), e.getMessage());
    }

    @Test
    void wrongInputNames() throws IOException {
        Path dir = copyOf("seqcls", AlbertModel.MODEL_FILE);
        new OnnxGraphWriter().input("ids", OnnxGraphWriter.INT64, "batch", "sequence")
                .input("mask", OnnxGraphWriter.INT64, "batch", "sequence")
                .identity("ids", "logits").write(dir.resolve(AlbertModel.MODEL_FILE));
        InvalidModelException e = rejected(dir);
        assertContains(e, "model.onnx has no input \"input_ids\" (its inputs: ");
        assertContains(e, "model.onnx has an unknown input \"ids\"");
    }

    @Test
    void wrongInputType() throws IOException {
        Path dir = copyOf("seqcls", AlbertModel.MODEL_FILE);
        new OnnxGraphWriter().input("input_ids", OnnxGraphWriter.INT32, "batch", "sequence")
                .input("attention_mask", OnnxGraphWriter.INT64, "batch", "sequence")
                .identity("input_ids", "start_logits").identity("attention_mask", "end_logits")
                .write(dir.resolve(AlbertModel.MODEL_FILE));
        InvalidModelException e = rejected(dir);
        assertContains(e, "model.onnx input \"input_ids\" is INT32 [-1, -1], expected an INT64 tensor"
                + " [batch_size, sequence_length]");
    }

    @Test
    void wrongInputRank() throws IOException {
        Path dir = copyOf("seqcls", AlbertModel.MODEL_FILE);
        new OnnxGraphWriter().input("input_ids", OnnxGraphWriter.INT64, "sequence")
                .input("attention_mask", OnnxGraphWriter.INT64, "batch", "sequence")
                .identity("input_ids", "logits").write(dir.resolve(AlbertModel.MODEL_FILE));
        assertContains(rejected(dir), "model.onnx input \"input_ids\" is INT64 [-1], expected an INT64 tensor");
    }

    @Test
    void unknownOutputs() throws IOException {
        Path dir = copyOf("seqcls", AlbertModel.MODEL_FILE);
        new OnnxGraphWriter().input("input_ids", OnnxGraphWriter.INT64, "batch", "sequence")
                .input("attention_mask", OnnxGraphWriter.INT64, "batch", "sequence")
                .identity("input_ids", "scores").write(dir.resolve(AlbertModel.MODEL_FILE));
        assertContains(rejected(dir), "model.onnx outputs [scores] do not name one task: expected"
                + " last_hidden_state");
    }

    @Test
    void labelsThatDoNotFitTheLogits() throws IOException {
        Path dir = copyOf("seqcls", "config.json");
        String config = Files.readString(Fixtures.require("hf-albert-tiny/seqcls/config.json"))
                .replace("\"2\": \"positive\"", "\"2\": \"positive\", \"3\": \"mixed\", \"4\": \"sarcastic\"")
                .replace("\"positive\": 2", "\"positive\": 2, \"mixed\": 3, \"sarcastic\": 4");
        Files.writeString(dir.resolve("config.json"), config, StandardCharsets.UTF_8);
        assertContains(rejected(dir), "config.json id2label has 5 labels [negative, neutral, positive, mixed,"
                + " sarcastic] but model.onnx output \"logits\" has 3 columns");
    }

    @Test
    void configWithoutMaximumLength() throws IOException {
        Path dir = copyOf("seqcls", "config.json");
        String config = Files.readString(Fixtures.require("hf-albert-tiny/seqcls/config.json"))
                .replace("\"max_position_embeddings\": 512,", "");
        Files.writeString(dir.resolve("config.json"), config, StandardCharsets.UTF_8);
        assertContains(rejected(dir), "config.json needs a positive integer \"max_position_embeddings\" (absent)");
    }

    @Test
    void configThatIsNotJson() throws IOException {
        Path dir = copyOf("seqcls", "config.json");
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 64,", StandardCharsets.UTF_8);
        assertContains(rejected(dir), "config.json is not valid JSON");
    }

    @Test
    void modelFileThatIsNotOnnx() throws IOException {
        Path dir = copyOf("seqcls", AlbertModel.MODEL_FILE);
        Files.writeString(dir.resolve(AlbertModel.MODEL_FILE), "not a protobuf", StandardCharsets.UTF_8);
        assertContains(rejected(dir), "model.onnx cannot be loaded by ONNX Runtime");
    }

    @Test
    void noDirectorySetNamesTheSetter() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AlbertModel.builder().build());
        assertTrue(e.getMessage().contains("modelDirectory(path)"), e.getMessage());
    }

    @Test
    void aValidDirectoryStillLoadsFromACopy() throws IOException {
        try (AlbertModel model = AlbertModel.builder().modelDirectory(copyOf("seqcls", "none")).build()) {
            assertEquals(ModelTask.CLASSIFICATION, model.task());
        }
    }

    /** A copy of a fixture model directory (links to the read-only fixture files) without one file. */
    private Path copyOf(String model, String without) throws IOException {
        Path source = Fixtures.require("hf-albert-tiny/" + model);
        Path dir = Files.createDirectory(temp.resolve(model + "-without-" + without));
        for (String file : List.of(AlbertModel.MODEL_FILE, "config.json", AlbertModel.TOKENIZER_FILE)) {
            if (!file.equals(without)) {
                Files.copy(source.resolve(file), dir.resolve(file));
            }
        }
        return dir;
    }

    private static InvalidModelException rejected(Path dir) {
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> AlbertModel.builder().modelDirectory(dir).build().close());
        assertTrue(e.getMessage().startsWith("Model directory " + dir), e.getMessage());
        return e;
    }

    private static void assertContains(InvalidModelException e, String expected) {
        assertTrue(e.getMessage().contains(expected), () -> "expected «" + expected + "» in:\n" + e.getMessage());
    }
}
