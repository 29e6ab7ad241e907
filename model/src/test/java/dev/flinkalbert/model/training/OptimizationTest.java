package dev.flinkalbert.model.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AdamW, global-norm clipping and the schedule against values worked out by hand from their definitions. */
class OptimizationTest {

    /** Sets the gradients of {@code params} to {@code grads} through a backward pass of sum(p * g). */
    private static void backward(NDManager m, Map<String, NDArray> params, Map<String, float[]> grads) {
        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray term = e.getValue().mul(m.create(grads.get(e.getKey()))).sum();
                loss = loss == null ? term : loss.add(term);
            }
            c.backward(loss);
        }
    }

    @Test
    void adamWFollowsTorchFormulaAndSkipsDecayOnBiases(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("w.weight", m.create(new float[] {1f, -2f}));
            params.put("w.bias", m.create(new float[] {0.5f}));
            params.values().forEach(p -> p.setRequiresGradient(true));
            Map<String, float[]> grads = Map.of("w.weight", new float[] {0.5f, 0.1f}, "w.bias", new float[] {-1f});
            AdamW.Settings s = new AdamW.Settings(0.9f, 0.999f, 1e-6f, 0.1f);
            double[] w = {1, -2};
            double[] b = {0.5};
            double[] mw = new double[2];
            double[] vw = new double[2];
            double[] mb = new double[1];
            double[] vb = new double[1];
            try (AdamW adam = new AdamW(params, s, m)) {
                for (int t = 1; t <= 3; t++) {
                    float lr = 0.1f * t;
                    backward(m, params, grads);
                    adam.step(lr);
                    GlobalNormClipping.zero(params.values(), true);
                    hand(w, mw, vw, new double[] {0.5, 0.1}, lr, 0.1, t);
                    hand(b, mb, vb, new double[] {-1}, lr, 0.0, t);
                }
                assertArrayEquals(new float[] {(float) w[0], (float) w[1]}, params.get("w.weight").toFloatArray(), 1e-6f);
                assertArrayEquals(new float[] {(float) b[0]}, params.get("w.bias").toFloatArray(), 1e-6f);
                adam.save(dir.resolve("opt.safetensors"));
            }
            try (AdamW restored = new AdamW(params, s, m)) {
                restored.load(dir.resolve("opt.safetensors"), 3);
                assertEquals(3, restored.steps());
            }
        }
    }

    /** torch.optim.AdamW, one step: decoupled decay, bias-corrected moments. */
    private static void hand(double[] p, double[] m, double[] v, double[] g, double lr, double wd, int t) {
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - lr * wd;
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
            double mHat = m[i] / (1 - Math.pow(0.9, t));
            double vHat = v[i] / (1 - Math.pow(0.999, t));
            p[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-6);
        }
    }

    @Test
    void clippingScalesAllGradientsByTheirGlobalNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("a", m.create(new float[] {0f, 0f}));
            params.put("b", m.create(new float[] {0f}));
            params.values().forEach(p -> p.setRequiresGradient(true));
            backward(m, params, Map.of("a", new float[] {3f, 0f}, "b", new float[] {4f}));
            double norm = GlobalNormClipping.clip(params.values(), 1f);
            assertEquals(5.0, norm, 1e-6);
            assertArrayEquals(new float[] {0.6f, 0f}, params.get("a").getGradient().toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {0.8f}, params.get("b").getGradient().toFloatArray(), 1e-5f);
            // under the maximum nothing changes
            assertEquals(1.0, GlobalNormClipping.clip(params.values(), 2f), 1e-5);
            assertArrayEquals(new float[] {0.8f}, params.get("b").getGradient().toFloatArray(), 1e-5f);
        }
    }

    /**
     * transformers' get_linear_schedule_with_warmup(optimizer, 4, 12), whose scheduler steps after each optimizer
     * step: update k (1-based) uses lambda(k - 1), lambda(s) = s / 4 while s < 4, else (12 - s) / 8. So the first
     * update uses rate 0 (the module used peak / 4 there before issue 15).
     */
    @Test
    void scheduleIsTransformersLinearScheduleWithWarmup() {
        LearningRateSchedule s = new LearningRateSchedule(1, 4, 12);
        assertEquals(List.of(0.0, 0.25, 0.5, 0.75, 1.0, 0.875), List.of(s.at(0), s.at(1), s.at(2), s.at(3), s.at(4), s.at(5)));
        assertEquals(0.125, s.at(11));
        assertEquals(0.0, s.at(12));
        // without warm-up the first update uses the peak; the rate is peak * lambda in double, as Python has it
        assertEquals(1e-3, new LearningRateSchedule(1e-3, 0, 10).at(0));
        assertEquals(1e-3 * (7.0 / 8.0), new LearningRateSchedule(1e-3, 2, 10).at(3));
    }

    /** The fixture README's groups: no decay for names ending in .bias or containing LayerNorm (transformers'). */
    @Test
    void decayGroupsAreTransformersUnlessGoogleAlbertsAreAskedFor() {
        String layer = "albert.encoder.albert_layer_groups.0.albert_layers.0.";
        AdamW.DecayExclusion transformers = AdamW.Settings.DEFAULTS.decayExclusion();
        assertEquals(AdamW.DecayExclusion.TRANSFORMERS, transformers);
        assertTrue(transformers.decays(layer + "full_layer_layer_norm.weight"));
        assertTrue(transformers.decays(layer + "ffn.weight"));
        assertTrue(transformers.decays("albert.embeddings.word_embeddings.weight"));
        assertFalse(transformers.decays(layer + "attention.LayerNorm.weight"));
        assertFalse(transformers.decays("predictions.bias"));
        assertFalse(transformers.decays(layer + "full_layer_layer_norm.bias"));
        assertFalse(AdamW.DecayExclusion.GOOGLE_ALBERT.decays(layer + "full_layer_layer_norm.weight"));
        assertTrue(AdamW.DecayExclusion.GOOGLE_ALBERT.decays(layer + "ffn.weight"));
    }
}
