package dev.flinkalbert.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.flinkalbert.model.checkpoint.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as {@code torch.optim.AdamW} computes it (bias-corrected
 * moments, {@code eps} added to the corrected root of the second moment), over the two parameter groups of
 * transformers' recipes: weight decay on every parameter except those {@link DecayExclusion} names. Its moments
 * save to and load from safetensors, so a run resumes where it stopped.
 *
 * <pre>{@code
 * AdamW optimizer = new AdamW(model.parameters(), AdamW.Settings.DEFAULTS, model.manager());
 * optimizer.step(learningRate);   // after backward; reads each parameter's gradient
 * AdamW.Settings googleAlbert = AdamW.Settings.DEFAULTS.withDecayExclusion(DecayExclusion.GOOGLE_ALBERT);
 * }</pre>
 *
 * Updates run in place outside gradient recording. Every constant is an NDArray: DJL's {@code mul(Number)} may
 * free its buffer too early (see the project's stack notes).
 */
public final class AdamW implements AutoCloseable {

    /** Which parameters take no weight decay. */
    public enum DecayExclusion {
        /**
         * Names ending in {@code .bias} or containing {@code LayerNorm}: transformers' example scripts'
         * {@code no_decay = ["bias", "LayerNorm.weight"]}. ALBERT's {@code full_layer_layer_norm.weight} decays.
         */
        TRANSFORMERS,
        /**
         * Also names containing {@code layer_norm}, as Google's ALBERT {@code optimization.py} excludes
         * {@code ["LayerNorm", "layer_norm", "bias"]}: no decay on any LayerNorm weight.
         */
        GOOGLE_ALBERT;

        /** Whether weight decay applies to the parameter {@code name}. */
        public boolean decays(String name) {
            boolean excluded = name.endsWith(".bias") || name.contains("LayerNorm")
                    || (this == GOOGLE_ALBERT && name.contains("layer_norm"));
            return !excluded;
        }
    }

    /**
     * Hyper-parameters: betas 0.9/0.999, BERT's {@code epsilon} 1e-6, weight decay 0.01 and transformers' decay
     * groups by default.
     */
    public record Settings(float beta1, float beta2, float epsilon, float weightDecay, DecayExclusion decayExclusion) {
        public static final Settings DEFAULTS = new Settings(0.9f, 0.999f, 1e-6f, 0.01f, DecayExclusion.TRANSFORMERS);

        public Settings {
            java.util.Objects.requireNonNull(decayExclusion, "decayExclusion");
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0 && weightDecay >= 0)) {
                throw new IllegalArgumentException("AdamW needs 0 <= betas < 1, epsilon > 0 and weight decay >= 0, got"
                        + " betas " + beta1 + "/" + beta2 + ", epsilon " + epsilon + ", weight decay " + weightDecay);
            }
        }

        /** Settings with transformers' decay groups. */
        public Settings(float beta1, float beta2, float epsilon, float weightDecay) {
            this(beta1, beta2, epsilon, weightDecay, DecayExclusion.TRANSFORMERS);
        }

        public Settings withEpsilon(float value) {
            return new Settings(beta1, beta2, value, weightDecay, decayExclusion);
        }

        public Settings withWeightDecay(float value) {
            return new Settings(beta1, beta2, epsilon, value, decayExclusion);
        }

        public Settings withDecayExclusion(DecayExclusion value) {
            return new Settings(beta1, beta2, epsilon, weightDecay, value);
        }
    }

    private final Map<String, NDArray> parameters;
    private final Settings settings;
    private final NDManager manager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long steps;

    public AdamW(Map<String, NDArray> parameters, Settings settings, NDManager parent) {
        this.parameters = parameters;
        this.settings = settings;
        this.manager = parent.newSubManager();
        parameters.forEach((name, p) -> {
            firstMoments.put(name, manager.zeros(p.getShape()));
            secondMoments.put(name, manager.zeros(p.getShape()));
        });
    }

    /** Whether weight decay applies to the parameter {@code name} under these settings. */
    public boolean decays(String name) {
        return settings.weightDecay() > 0 && settings.decayExclusion().decays(name);
    }

    /**
     * One update with the given learning rate from the gradients the parameters hold, in {@code torch.optim.AdamW}'s
     * order: {@code p *= 1 - lr * wd}; {@code m = b1 m + (1 - b1) g}; {@code v = b2 v + (1 - b2) g²};
     * {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}. Scalars are worked out in double, as
     * Python does, and rounded to float32 once.
     */
    public void step(double learningRate) {
        steps++;
        try (NDScope scope = new NDScope()) {
            double b1 = decimal(settings.beta1());
            double b2 = decimal(settings.beta2());
            double correction1 = 1 - Math.pow(b1, steps);
            double correction2 = 1 - Math.pow(b2, steps);
            NDArray beta1 = manager.create((float) b1);
            NDArray oneMinusBeta1 = manager.create((float) (1 - b1));
            NDArray beta2 = manager.create((float) b2);
            NDArray oneMinusBeta2 = manager.create((float) (1 - b2));
            NDArray sqrtCorrection2 = manager.create((float) Math.sqrt(correction2));
            NDArray epsilon = manager.create(settings.epsilon());
            NDArray stepSize = manager.create((float) (learningRate / correction1));
            NDArray decay = manager.create((float) (1 - learningRate * decimal(settings.weightDecay())));
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray p = e.getValue();
                NDArray g = p.getGradient();
                NDArray m = firstMoments.get(e.getKey());
                NDArray v = secondMoments.get(e.getKey());
                if (decays(e.getKey())) {
                    p.muli(decay);
                }
                m.muli(beta1).addi(g.mul(oneMinusBeta1));
                v.muli(beta2).addi(g.mul(g).mul(oneMinusBeta2));
                p.subi(m.div(v.sqrt().div(sqrtCorrection2).add(epsilon)).mul(stepSize));
            }
        }
    }

    /** The double a float setting was written as (0.9f is 0.9, not 0.89999997615814), as Python would hold it. */
    private static double decimal(float value) {
        return Double.parseDouble(Float.toString(value));
    }

    /** Updates taken so far. */
    public long steps() {
        return steps;
    }

    /** Writes the moments ({@code exp_avg.<name>}, {@code exp_avg_sq.<name>}) and the step count. */
    public void save(Path file) throws IOException {
        Map<String, SafeTensors.Tensor> out = new LinkedHashMap<>();
        firstMoments.forEach((k, a) -> out.put("exp_avg." + k, tensor(a)));
        secondMoments.forEach((k, a) -> out.put("exp_avg_sq." + k, tensor(a)));
        SafeTensors.write(file, out, Map.of("format", "flink-albert-adamw", "step", Long.toString(steps)));
    }

    /** Restores what {@link #save} wrote; every parameter must have its moments there. */
    public void load(Path file, long step) throws IOException {
        Map<String, SafeTensors.Tensor> in = SafeTensors.read(file);
        for (String name : parameters.keySet()) {
            firstMoments.get(name).set(require(in, "exp_avg." + name, file).values());
            secondMoments.get(name).set(require(in, "exp_avg_sq." + name, file).values());
        }
        steps = step;
    }

    private static SafeTensors.Tensor require(Map<String, SafeTensors.Tensor> in, String key, Path file)
            throws IOException {
        SafeTensors.Tensor t = in.get(key);
        if (t == null) {
            throw new IOException(file + " lacks " + key + ": the optimizer state belongs to another model");
        }
        return t;
    }

    private static SafeTensors.Tensor tensor(NDArray a) {
        return new SafeTensors.Tensor(a.getShape().getShape(), a.toFloatArray());
    }

    @Override
    public void close() {
        manager.close();
    }
}
