package dev.flinkalbert.model.export;

import static dev.flinkalbert.model.HfFixtureRecords.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.TensorInfo;
import ai.onnx.proto.OnnxMl.ModelProto;
import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.HfFixtureRecords;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our exported graph in ONNX Runtime computes what our DJL model computes (1e-5, every head, padded batches and a
 * mask with a hole), and for the transformers fixtures what transformers' own export computes (1e-4).
 */
class OnnxExportParityTest {

    private static NDManager manager;

    @BeforeAll
    static void startEngine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stopEngine() {
        manager.close();
    }

    /** A small model with two layer groups (each applied twice), weights large enough that heads spread. */
    private static AlbertConfig tinyConfig() {
        return AlbertConfig.builder().vocabSize(300).embeddingSize(16).hiddenSize(32).numAttentionHeads(4)
                .intermediateSize(64).numHiddenLayers(4).numHiddenGroups(2).maxPositionEmbeddings(128)
                .initializerRange(0.2f).id2label(List.of("a", "b", "c", "d")).build();
    }

    /** Random ids and types; row b keeps a length drawn below S (right padding); in batch 8, row 1 has a hole. */
    private record Batch(int batch, int length, long[] ids, long[] mask, long[] types) {
        static Batch random(int batch, int length, int vocab, SplittableRandom random) {
            long[] ids = new long[batch * length];
            long[] mask = new long[batch * length];
            long[] types = new long[batch * length];
            for (int b = 0; b < batch; b++) {
                int real = b == 0 ? length : 1 + random.nextInt(length);
                int split = random.nextInt(real + 1);
                for (int s = 0; s < length; s++) {
                    int i = b * length + s;
                    if (s < real) {
                        ids[i] = random.nextInt(vocab);
                        mask[i] = 1;
                        types[i] = s >= split ? 1 : 0;
                    }
                }
                if (batch == 8 && b == 1 && length > 4) {
                    mask[b * length + 2] = 0;
                    mask[b * length + 3] = 0;
                    mask[b * length] = 1;
                }
            }
            return new Batch(batch, length, ids, mask, types);
        }

        NDArray array(long[] values) {
            return manager.create(values, new Shape(batch, length));
        }
    }

    @Test
    void exportedGraphMatchesTheDjlModelForEveryHead() throws Exception {
        AlbertConfig config = tinyConfig();
        SplittableRandom random = new SplittableRandom(7);
        List<Batch> batches = new ArrayList<>();
        for (int batch : new int[] {1, 3, 8}) {
            for (int length : new int[] {1, 17, 128}) {
                batches.add(Batch.random(batch, length, config.vocabSize(), random));
            }
        }
        Map<String, Double> worst = new LinkedHashMap<>();
        for (AlbertTask task : List.of(AlbertTask.BASE, AlbertTask.SEQUENCE_CLASSIFICATION,
                AlbertTask.QUESTION_ANSWERING, AlbertTask.MASKED_LM)) {
            try (AlbertModel model = AlbertModel.initialize(config, task, 11L, manager);
                    OrtRunner ort = new OrtRunner(OnnxExporter.builder().model(model).build().toModel().toByteArray())) {
                for (Batch b : batches) {
                    Map<String, float[]> expected = djl(model, b);
                    Map<String, float[]> actual = ort.run(b.ids, b.mask, b.types, b.batch, b.length);
                    assertEquals(expected.keySet(), actual.keySet(), task + " outputs");
                    for (String name : expected.keySet()) {
                        double d = maxAbsDiff(expected.get(name), actual.get(name));
                        worst.merge(task.cliName() + "/" + name, d, Math::max);
                    }
                    if (task == AlbertTask.SEQUENCE_CLASSIFICATION) {
                        assertEquals(argmaxRows(expected.get("logits"), 4), argmaxRows(actual.get("logits"), 4));
                    }
                }
            }
        }
        // the other activations transformers' ALBERT config allows, on the base graph
        for (String act : List.of("gelu", "relu")) {
            try (AlbertModel model = AlbertModel.initialize(config.toBuilder().hiddenAct(act).build(), AlbertTask.BASE,
                    11L, manager);
                    OrtRunner ort = new OrtRunner(OnnxExporter.builder().model(model).build().toModel().toByteArray())) {
                Batch b = batches.get(batches.size() - 1);
                Map<String, float[]> expected = djl(model, b);
                Map<String, float[]> actual = ort.run(b.ids, b.mask, b.types, b.batch, b.length);
                worst.put(act + "/last_hidden_state", maxAbsDiff(expected.get("last_hidden_state"),
                        actual.get("last_hidden_state")));
            }
        }
        worst.forEach((name, d) -> assertTrue(d <= 1e-5, name + ": max |ONNX Runtime - DJL| = " + d));
    }

    private static Map<String, float[]> djl(AlbertModel model, Batch b) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDScope scope = new NDScope()) {
            AlbertModel.Encoded enc = model.encode(b.array(b.ids), b.array(b.mask), b.array(b.types), false);
            switch (model.task()) {
                case BASE -> {
                    out.put("last_hidden_state", enc.sequenceOutput().toFloatArray());
                    out.put("pooler_output", enc.pooledOutput().toFloatArray());
                }
                case SEQUENCE_CLASSIFICATION -> out.put("logits", model.classifierLogits(enc.pooledOutput(), false).toFloatArray());
                case QUESTION_ANSWERING -> {
                    NDArray spans = model.spanLogits(enc.sequenceOutput());
                    out.put("start_logits", spans.get(":, :, 0").toFloatArray());
                    out.put("end_logits", spans.get(":, :, 1").toFloatArray());
                }
                case MASKED_LM -> out.put("logits", model.maskedLmLogits(enc.sequenceOutput()).toFloatArray());
                default -> throw new AssertionError(model.task());
            }
        }
        return out;
    }

    private static List<Integer> argmaxRows(float[] values, int width) {
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < values.length / width; r++) {
            int best = 0;
            for (int i = 1; i < width; i++) {
                if (values[r * width + i] > values[r * width + best]) {
                    best = i;
                }
            }
            out.add(best);
        }
        return out;
    }

    @Test
    void fixtureCheckpointsExportToWhatTransformersExported() throws Exception {
        for (String name : List.of("base", "seqcls", "qa")) {
            Path dir = Fixtures.require("hf-albert-tiny/" + name);
            List<JsonNode> records = HfFixtureRecords.read(dir.resolve("expected.jsonl"));
            int length = records.stream().mapToInt(r -> r.get("input_ids").size()).max().orElseThrow();
            long[] ids = flat(records, "input_ids", length);
            long[] mask = flat(records, "attention_mask", length);
            long[] types = flat(records, "token_type_ids", length);
            try (AlbertModel model = HfCheckpoint.load(dir, null, 0L, manager);
                    OrtRunner ours = new OrtRunner(OnnxExporter.builder().model(model).build().toModel().toByteArray());
                    OrtRunner theirs = new OrtRunner(Files.readAllBytes(dir.resolve("model.onnx")))) {
                Map<String, float[]> expected = theirs.run(ids, mask, types, records.size(), length);
                Map<String, float[]> actual = ours.run(ids, mask, types, records.size(), length);
                assertEquals(expected.keySet(), actual.keySet(), name + ": output names");
                assertEquals(inputs(theirs), inputs(ours), name + ": input names and types");
                for (String output : expected.keySet()) {
                    double d = maxAbsDiff(realTokens(expected.get(output), records, length),
                            realTokens(actual.get(output), records, length));
                    assertTrue(d <= 1e-4, name + "/" + output + ": max |ours - transformers' export| = " + d);
                }
            }
        }
    }

    private static Map<String, String> inputs(OrtRunner runner) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (NodeInfo n : runner.session().getInputInfo().values()) {
            TensorInfo t = (TensorInfo) n.getInfo();
            out.put(n.getName(), t.type + java.util.Arrays.toString(t.getShape()));
        }
        return out;
    }

    /** Keeps, per row, the values of real token positions (padding outputs are unspecified). */
    private static float[] realTokens(float[] values, List<JsonNode> records, int length) {
        int rows = records.size();
        int perRow = values.length / rows;
        if (perRow % length != 0 || perRow < length) {
            return values; // no sequence axis: [B, H] or [B, labels]
        }
        int width = perRow / length;
        List<Float> kept = new ArrayList<>();
        for (int b = 0; b < rows; b++) {
            int real = records.get(b).get("input_ids").size();
            for (int i = 0; i < real * width; i++) {
                kept.add(values[b * perRow + i]);
            }
        }
        float[] out = new float[kept.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = kept.get(i);
        }
        return out;
    }

    private static long[] flat(List<JsonNode> records, String field, int length) {
        long[] out = new long[records.size() * length];
        for (int b = 0; b < records.size(); b++) {
            long[] row = HfFixtureRecords.longs(records.get(b).get(field));
            System.arraycopy(row, 0, out, b * length, row.length);
        }
        return out;
    }

    @Test
    void modelDirectoryCarriesContractAndMetadata(@TempDir Path out) throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        try (AlbertModel model = HfCheckpoint.load(dir, null, 0L, manager)) {
            OnnxExporter.builder().model(model).modelVersion("7").vocabulary(dir.resolve("spiece.model")).build()
                    .writeModelDirectory(out);
        }
        assertEquals(Files.size(dir.resolve("spiece.model")), Files.size(out.resolve("spiece.model")));
        assertEquals(List.of("negative", "neutral", "positive"), HfCheckpoint.config(out).id2label());
        assertEquals(AlbertTask.SEQUENCE_CLASSIFICATION, HfCheckpoint.architectureOf(out));
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(out.resolve("model.onnx")));
        assertEquals(8, proto.getIrVersion());
        assertEquals(17, proto.getOpsetImport(0).getVersion());
        try (OrtRunner ort = new OrtRunner(Files.readAllBytes(out.resolve("model.onnx")))) {
            OnnxModelMetadata meta = ort.session().getMetadata();
            assertEquals("{\"0\":\"negative\",\"1\":\"neutral\",\"2\":\"positive\"}",
                    meta.getCustomMetadataValue("id2label").orElseThrow());
            assertEquals("7", meta.getCustomMetadataValue("model_version").orElseThrow());
            TensorInfo ids = (TensorInfo) ort.session().getInputInfo().get("input_ids").getInfo();
            assertEquals(List.of("batch_size", "sequence_length"), List.of(ids.getDimensionNames()));
            TensorInfo logits = (TensorInfo) ort.session().getOutputInfo().get("logits").getInfo();
            assertEquals(List.of("batch_size", ""), List.of(logits.getDimensionNames()));
            assertEquals(3, logits.getShape()[1]);
        }
    }
}
