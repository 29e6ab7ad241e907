package dev.flinkalbert.model.checkpoint;

import static dev.flinkalbert.model.HfFixtureRecords.longs;
import static dev.flinkalbert.model.HfFixtureRecords.maxAbsDiff;
import static dev.flinkalbert.testing.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.HfFixtureRecords;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hugging Face's checkpoints of {@code hf-albert-tiny} loaded into our model give the outputs that
 * {@code transformers} recorded in {@code expected.jsonl}, one record at a time and as a right-padded batch.
 */
class HfCheckpointParityTest {

    private static final double TOLERANCE = 1e-4;
    private static NDManager manager;

    @BeforeAll
    static void startEngine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stopEngine() {
        manager.close();
    }

    private static Path fixture(String model) {
        return Fixtures.require("hf-albert-tiny/" + model);
    }

    @Test
    void baseModelGivesTransformersHiddenStatesAndPooler() throws Exception {
        Path dir = fixture("base");
        List<JsonNode> records = HfFixtureRecords.read(dir.resolve("expected.jsonl"));
        try (AlbertModel model = HfCheckpoint.load(dir, null, 0L, manager)) {
            assertEquals(AlbertTask.BASE, model.task());
            double worst = 0;
            for (JsonNode r : records) {
                try (NDScope scope = new NDScope()) {
                    AlbertModel.Encoded out = run(model, List.of(r));
                    worst = Math.max(worst, compareHidden(r, out.sequenceOutput(), 0));
                    worst = Math.max(worst, maxAbsDiff(floats(r.get("pooler_output")), out.pooledOutput().toFloatArray()));
                }
            }
            assertTrue(worst <= TOLERANCE, "max |diff| vs transformers, unpadded: " + worst);

            try (NDScope scope = new NDScope()) {
                AlbertModel.Encoded out = run(model, records);
                double padded = 0;
                for (int b = 0; b < records.size(); b++) {
                    padded = Math.max(padded, compareHidden(records.get(b), out.sequenceOutput(), b));
                    float[] pooled = out.pooledOutput().get(b).toFloatArray();
                    padded = Math.max(padded, maxAbsDiff(floats(records.get(b).get("pooler_output")), pooled));
                }
                assertTrue(padded <= TOLERANCE, "max |diff| vs transformers, right-padded batch: " + padded);
            }
        }
    }

    /** first, last and mean of the real tokens of row {@code b} against the record's. */
    private static double compareHidden(JsonNode r, NDArray sequenceOutput, int b) {
        int length = r.get("input_ids").size();
        NDArray row = sequenceOutput.get(b).get("0:" + length);
        assertEquals(new Shape(length, 64), row.getShape());
        double d = maxAbsDiff(floats(r.get("last_hidden_state_first")), row.get(0).toFloatArray());
        d = Math.max(d, maxAbsDiff(floats(r.get("last_hidden_state_last")), row.get(length - 1).toFloatArray()));
        return Math.max(d, maxAbsDiff(floats(r.get("last_hidden_state_mean")), row.mean(new int[] {0}).toFloatArray()));
    }

    @Test
    void sequenceClassifierGivesTransformersLogits() throws Exception {
        Path dir = fixture("seqcls");
        List<JsonNode> records = HfFixtureRecords.read(dir.resolve("expected.jsonl"));
        try (AlbertModel model = HfCheckpoint.load(dir, null, 0L, manager)) {
            assertEquals(AlbertTask.SEQUENCE_CLASSIFICATION, model.task());
            assertEquals(List.of("negative", "neutral", "positive"), model.config().id2label());
            double worst = 0;
            for (JsonNode r : records) {
                try (NDScope scope = new NDScope()) {
                    float[] logits = model.classifierLogits(run(model, List.of(r)).pooledOutput(), false).toFloatArray();
                    worst = Math.max(worst, maxAbsDiff(floats(r.get("logits")), logits));
                    assertEquals(r.get("predicted_label").asText(), model.config().id2label().get(argmax(logits)));
                }
            }
            assertTrue(worst <= TOLERANCE, "max |diff| of logits vs transformers: " + worst);
            try (NDScope scope = new NDScope()) {
                NDArray logits = model.classifierLogits(run(model, records).pooledOutput(), false);
                double padded = 0;
                for (int b = 0; b < records.size(); b++) {
                    padded = Math.max(padded, maxAbsDiff(floats(records.get(b).get("logits")), logits.get(b).toFloatArray()));
                }
                assertTrue(padded <= TOLERANCE, "max |diff| of padded-batch logits vs transformers: " + padded);
            }
        }
    }

    @Test
    void questionAnsweringGivesTransformersSpanLogits() throws Exception {
        Path dir = fixture("qa");
        List<JsonNode> records = HfFixtureRecords.read(dir.resolve("expected.jsonl"));
        try (AlbertModel model = HfCheckpoint.load(dir, null, 0L, manager)) {
            assertEquals(AlbertTask.QUESTION_ANSWERING, model.task());
            double worst = 0;
            for (JsonNode r : records) {
                try (NDScope scope = new NDScope()) {
                    NDArray spans = model.spanLogits(run(model, List.of(r)).sequenceOutput());
                    worst = Math.max(worst, maxAbsDiff(floats(r.get("start_logits")), spans.get(":, :, 0").toFloatArray()));
                    worst = Math.max(worst, maxAbsDiff(floats(r.get("end_logits")), spans.get(":, :, 1").toFloatArray()));
                }
            }
            assertTrue(worst <= TOLERANCE, "max |diff| of span logits vs transformers: " + worst);
        }
    }

    @Test
    void savedCheckpointIsByteIdenticalToTransformersOwn(@TempDir Path out) throws Exception {
        for (String name : List.of("base", "seqcls", "qa")) {
            Path dir = fixture(name);
            try (AlbertModel model = HfCheckpoint.load(dir, null, 0L, manager)) {
                HfCheckpoint.save(model, out.resolve(name));
            }
            assertArrayEquals(Files.readAllBytes(dir.resolve(HfCheckpoint.WEIGHTS_FILE)),
                    Files.readAllBytes(out.resolve(name).resolve(HfCheckpoint.WEIGHTS_FILE)),
                    name + ": our model.safetensors differs from the one transformers wrote");
            assertEquals(HfCheckpoint.architectureOf(dir), HfCheckpoint.architectureOf(out.resolve(name)));
            assertEquals(HfCheckpoint.config(dir).toJson("x"), HfCheckpoint.config(out.resolve(name)).toJson("x"));
        }
    }

    private static AlbertModel.Encoded run(AlbertModel model, List<JsonNode> records) {
        NDArray ids = HfFixtureRecords.padded(manager, records, "input_ids");
        NDArray mask = HfFixtureRecords.padded(manager, records, "attention_mask");
        NDArray types = HfFixtureRecords.padded(manager, records, "token_type_ids");
        assertEquals(records.size() == 1 ? longs(records.get(0).get("input_ids")).length : ids.getShape().get(1),
                ids.getShape().get(1));
        return model.encode(ids, mask, types, false);
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
