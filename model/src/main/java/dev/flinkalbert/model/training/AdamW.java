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
 * Adam with decoupled weight decay (Loshchilov and Hutter), as {@code torch.optim.AdamW} computes it; no decay on
 * biases and LayerNorm weights, as BERT and ALBERT train. Its moments save to and load from safetensors, so a
 * run resumes where it stopped.
 *
 * <pre>{@code
 * AdamW optimizer = new AdamW(model.parameters(), AdamW.Settings.DEFAULTS, model.manager());
 * optimizer.step(learningRate);   // after backward; reads each parameter's gradient
 * }</pre>
 *
 * Updates run in place outside gradient recording. Every constant is an NDArray: DJL's {@code mul(Number)} may
 * free its buffer too early (see the project's stack notes).
 */
public final class AdamW implements AutoCloseable {

    /** Hyper-parameters: BERT's {@code epsilon} 1e-6 and weight decay 0.01 by default. */
    public record Settings(float beta1, float beta2, float epsilon, float weightDecay) {
        public static final Settings DEFAULTS = new Settings(0.9f, 0.999f, 1e-6f, 0.01f);
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

    /** Whether weight decay applies: not to biases nor LayerNorm weights. */
    static boolean decays(String name) {
        return !name.endsWith(".bias") && !name.contains("LayerNorm") && !name.contains("layer_norm");
    }

    /** One update with the given learning rate from the gradients the parameters hold. */
    public void step(float learningRate) {
        steps++;
        try (NDScope scope = new NDScope()) {
            double correction1 = 1 - Math.pow(settings.beta1(), steps);
            double correction2 = 1 - Math.pow(settings.beta2(), steps);
            NDArray beta1 = manager.create(settings.beta1());
            NDArray oneMinusBeta1 = manager.create(1 - settings.beta1());
            NDArray beta2 = manager.create(settings.beta2());
            NDArray oneMinusBeta2 = manager.create(1 - settings.beta2());
            NDArray sqrtCorrection2 = manager.create((float) Math.sqrt(correction2));
            NDArray epsilon = manager.create(settings.epsilon());
            NDArray stepSize = manager.create((float) (learningRate / correction1));
            NDArray decay = manager.create(1 - learningRate * settings.weightDecay());
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray p = e.getValue();
                NDArray g = p.getGradient();
                NDArray m = firstMoments.get(e.getKey());
                NDArray v = secondMoments.get(e.getKey());
                m.muli(beta1).addi(g.mul(oneMinusBeta1));
                v.muli(beta2).addi(g.mul(g).mul(oneMinusBeta2));
                if (settings.weightDecay() > 0 && decays(e.getKey())) {
                    p.muli(decay);
                }
                p.subi(m.div(v.sqrt().div(sqrtCorrection2).add(epsilon)).mul(stepSize));
            }
        }
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
