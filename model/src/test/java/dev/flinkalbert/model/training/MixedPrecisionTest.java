package dev.flinkalbert.model.training;

import static dev.flinkalbert.model.HfFixtureRecords.maxAbsDiff;
import static dev.flinkalbert.testing.Fixtures.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.HfFixtureRecords;
import dev.flinkalbert.model.Precision;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.pretraining.PretrainingBatch;
import dev.flinkalbert.model.pretraining.PretrainingData;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mixed precision on the CPU (PyTorch computes float16 there too, emulated): the float16 forward pass stays near
 * {@code transformers}' float32 outputs yet is not the float32 pass; float16 training keeps float32 master weights,
 * learns, and recovers from gradient overflow by dynamic loss scaling.
 */
class MixedPrecisionTest {

    private static NDManager manager;

    @BeforeAll
    static void startEngine() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stopEngine() {
        manager.close();
    }

    @Test
    void sixteenBitForwardStaysNearTransformersLogitsAndKeepsTheirLabels() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> records = HfFixtureRecords.read(dir.resolve("expected.jsonl"));
        for (Precision precision : List.of(Precision.FP16)) {
            try (AlbertModel model = HfCheckpoint.load(dir, null, 0L, manager)) {
                model.computeIn(precision);
                double worst = 0;
                double largest = 0;
                int agree = 0;
                try (NDScope scope = new NDScope()) {
                    NDArray ids = HfFixtureRecords.padded(manager, records, "input_ids");
                    NDArray mask = HfFixtureRecords.padded(manager, records, "attention_mask");
                    NDArray types = HfFixtureRecords.padded(manager, records, "token_type_ids");
                    NDArray logits = model.classifierLogits(model.encode(ids, mask, types, false).pooledOutput(), false);
                    assertEquals(DataType.FLOAT32, logits.getDataType(), "the heads answer in float32");
                    for (int b = 0; b < records.size(); b++) {
                        float[] expected = floats(records.get(b).get("logits"));
                        float[] actual = logits.get(b).toFloatArray();
                        worst = Math.max(worst, maxAbsDiff(expected, actual));
                        for (float e : expected) {
                            largest = Math.max(largest, Math.abs(e));
                        }
                        agree += argmax(expected) == argmax(actual) ? 1 : 0;
                    }
                }
                // float16 keeps 11 significant bits (0.05%); a few products deep that is well under 1% of the
                // logits' scale. Exactly float32's result would mean the 16-bit path never ran.
                double bound = 0.01 * largest;
                assertTrue(worst <= bound, precision + ": max |diff| " + worst + " over " + bound);
                assertTrue(worst > 1e-5, precision + ": logits equal float32's (" + worst + "): no 16-bit arithmetic");
                assertTrue(agree >= records.size() - 1, precision + ": labels agree on " + agree + " of "
                        + records.size());
            }
        }
    }

    @Test
    void fp16TrainingBacksOffFromOverflowAndLearns() throws Exception {
        // 2^40 times the loss overflows float16 (max 65504) in the backward pass: the first steps must be skipped
        // and the scale halved until the gradients fit, then doubled again after 25 finite steps.
        LossScaler scaler = new LossScaler((float) Math.pow(2, 40), 25);
        List<StepMetrics> metrics = new ArrayList<>();
        try (AlbertModel model = AlbertModel.initialize(config(), AlbertTask.PRETRAINING, 1L, manager);
                TrainingLoop<PretrainingBatch> loop = loop(model, 200, Precision.FP16, scaler, metrics)) {
            loop.run(data());
            model.parameters().forEach((name, p) -> assertEquals(DataType.FLOAT32, p.getDataType(), name));
        }
        int skipped = 0;
        while (skipped < metrics.size() && !Double.isFinite(metrics.get(skipped).gradientNorm())) {
            skipped++;
        }
        assertTrue(skipped >= 10, "2^40 must overflow float16; skipped only " + skipped);
        assertTrue(skipped <= 40, "the scale must come down to a usable one; skipped " + skipped);
        long overflowsLater = metrics.subList(skipped, metrics.size()).stream()
                .filter(m -> !Double.isFinite(m.gradientNorm())).count();
        assertTrue(overflowsLater <= 10, overflowsLater + " overflows after the scale settled");
        assertNotEquals((float) Math.pow(2, 40), scaler.scale());
        assertTrue(scaler.scale() <= Math.pow(2, 40 - skipped + 200 / 25), "scale " + scaler.scale());
        double first = mean(metrics.subList(skipped, skipped + 20));
        double last = mean(metrics.subList(180, 200));
        assertTrue(last < first - 0.4, "fp16 masked-LM loss did not fall: " + first + " -> " + last);
    }

    @Test
    void lossScalerHalvesOnOverflowAndDoublesAfterItsInterval() {
        LossScaler scaler = new LossScaler(1024f, 3);
        scaler.update(false);
        assertEquals(512f, scaler.scale());
        scaler.update(true);
        scaler.update(true);
        assertEquals(512f, scaler.scale());
        scaler.update(true);
        assertEquals(1024f, scaler.scale());
        assertEquals(0, scaler.finiteSteps());
        scaler.update(true);
        scaler.update(false);
        assertEquals(512f, scaler.scale(), "an overflow resets the run of finite steps");
        LossScaler floor = new LossScaler(1f, 3);
        floor.update(false);
        assertEquals(1f, floor.scale(), "never below 1");
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(0.5f, 3));
    }

    @Test
    void autoIsFloat32OnTheCpuAndNamesAreChecked() {
        assertEquals(Precision.FP32, Precision.parse("auto", Device.cpu()));
        assertEquals(Precision.FP16, Precision.parse("FP16", Device.cpu()));
        assertEquals(Precision.FP16, Precision.parse("float16", Device.cpu()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Precision.parse("int8", Device.cpu()));
        assertTrue(e.getMessage().contains("auto, fp32 or fp16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("bf16", Device.cpu()));
        assertTrue(e.getMessage().contains("use --precision fp16"), e.getMessage());
    }

    private static AlbertConfig config() {
        return PretrainingSoakTest.config();
    }

    /** PretrainingSoakTest's corpus: 12 topics of 9 consecutive ids, so masked tokens follow from their rows. */
    private static PretrainingData data() {
        return PretrainingSoakTest.data();
    }

    private static TrainingLoop<PretrainingBatch> loop(AlbertModel model, long steps, Precision precision,
            LossScaler scaler, List<StepMetrics> sink) {
        return TrainingLoop.<PretrainingBatch>builder().model(model)
                .objective(new dev.flinkalbert.model.pretraining.PretrainingObjective())
                .schedule(new LearningRateSchedule(3e-3f, steps / 10, steps))
                .seed(9L).precision(precision).lossScaler(scaler).listener(sink::add).build();
    }

    private static double mean(List<StepMetrics> metrics) {
        return metrics.stream().mapToDouble(m -> m.parts().get("mlm")).average().orElseThrow();
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
