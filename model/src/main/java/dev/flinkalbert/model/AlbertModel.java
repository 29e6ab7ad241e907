package dev.flinkalbert.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import dev.flinkalbert.model.checkpoint.SafeTensors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ALBERT written from NDArray operations, with Hugging Face's parameter names, so that its weights load from
 * and save to a {@code transformers} checkpoint unchanged.
 *
 * <pre>{@code
 * try (NDManager manager = NDManager.newBaseManager();
 *      AlbertModel model = AlbertModel.initialize(config, AlbertTask.SEQUENCE_CLASSIFICATION, 42L, manager)) {
 *     AlbertModel.Encoded out = model.encode(inputIds, attentionMask, tokenTypeIds, false);
 *     NDArray logits = model.classifierLogits(out.pooledOutput(), false);
 * }
 * }</pre>
 *
 * What it computes is {@code modeling_albert.py}'s forward pass: factorised embeddings (E) projected to the
 * hidden size (H), {@code num_hidden_groups} groups of {@code inner_group_num} layers shared across
 * {@code num_hidden_layers} applications, {@code gelu_new}, the pooler and the heads of {@link AlbertTask}.
 * Numeric constants are scalar NDArrays owned by the model: DJL's {@code mul(Number)} wraps a buffer that autograd
 * may outlive, which turns training NaN at random steps.
 */
public final class AlbertModel implements AutoCloseable {

    /** The prefix of encoder parameters in every task's checkpoint except {@link AlbertTask#BASE}'s. */
    public static final String ENCODER_PREFIX = "albert.";

    private static final Logger LOG = LoggerFactory.getLogger(AlbertModel.class);

    private final AlbertConfig config;
    private final AlbertTask task;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final NDArray half;
    private final NDArray one;
    private final NDArray geluScale;
    private final NDArray geluCubic;
    private final NDArray erfScale;
    private final NDArray maskFill;
    private final NDArray attentionScale;
    /** Upcasts a 16-bit array by broadcasting (DJL's casts are invisible to autograd; promotion is not). */
    private final NDArray floatOne;
    private Precision precision = Precision.FP32;
    /** The 16-bit copies the passes run on under a mixed precision (leaves of their own); empty under FP32. */
    private final Map<String, NDArray> computeCopies = new LinkedHashMap<>();
    private NDManager computeManager;
    private boolean trainable;

    private AlbertModel(AlbertConfig config, AlbertTask task, NDManager parent, Map<String, SafeTensors.Tensor> values) {
        this.config = config;
        this.task = task;
        this.manager = parent.newSubManager();
        this.parameters = new LinkedHashMap<>();
        for (Map.Entry<String, SafeTensors.Tensor> e : values.entrySet()) {
            parameters.put(e.getKey(), manager.create(e.getValue().values(), new Shape(e.getValue().shape())));
        }
        this.half = manager.create(0.5f);
        this.one = manager.create(1f);
        this.geluScale = manager.create((float) Math.sqrt(2.0 / Math.PI));
        this.geluCubic = manager.create(0.044715f);
        this.erfScale = manager.create((float) (1.0 / Math.sqrt(2.0)));
        // HF's extended attention mask (1 - mask) * finfo(float32).min, computed as (mask - 1) * max
        this.maskFill = manager.create(Float.MAX_VALUE);
        this.attentionScale = manager.create((float) (1.0 / Math.sqrt(config.headSize())));
        this.floatOne = manager.ones(new Shape(1));
    }

    /** A model with fresh weights drawn as {@code transformers}' {@code _init_weights} does, from {@code seed}. */
    public static AlbertModel initialize(AlbertConfig config, AlbertTask task, long seed, NDManager manager) {
        return fromWeights(config, task, Map.of(), seed, manager);
    }

    /**
     * A model whose parameters come from {@code weights} (HF names; a base model's unprefixed names are accepted),
     * and whose missing head parameters, or head parameters of another shape (other labels), are initialised from
     * {@code seed}, as {@code from_pretrained} does when a pretrained encoder gets a new head. Missing or misshapen
     * encoder parameters are an error; unused weights are logged.
     */
    public static AlbertModel fromWeights(AlbertConfig config, AlbertTask task, Map<String, SafeTensors.Tensor> weights,
            long seed, NDManager manager) {
        Map<String, SafeTensors.Tensor> named = withEncoderPrefix(weights);
        Map<String, Shape> shapes = parameterShapes(config, task);
        Map<String, SafeTensors.Tensor> values = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(seed);
        List<String> initialised = new ArrayList<>();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            String name = e.getKey();
            SafeTensors.Tensor given = named.get(name);
            // Each parameter draws from its own stream, so which ones were given does not shift the others.
            SplittableRandom own = random.split();
            boolean head = !name.startsWith(ENCODER_PREFIX);
            if (given != null && !new Shape(given.shape()).equals(e.getValue())) {
                if (!head) {
                    throw new IllegalArgumentException("checkpoint tensor " + name + " has shape "
                            + new Shape(given.shape()) + " but the config asks for " + e.getValue());
                }
                // a head for other labels: start it afresh, as from_pretrained(..., ignore_mismatched_sizes=True)
                given = null;
            }
            if (given != null) {
                values.put(name, given);
            } else {
                if (!weights.isEmpty() && name.startsWith(ENCODER_PREFIX) && !name.startsWith(ENCODER_PREFIX + "pooler.")) {
                    throw new IllegalArgumentException("checkpoint lacks encoder tensor " + name
                            + ": is it an ALBERT checkpoint made for this config.json?");
                }
                values.put(name, initialValue(name, e.getValue(), config, own));
                initialised.add(name);
            }
        }
        if (!weights.isEmpty()) {
            if (!initialised.isEmpty()) {
                LOG.info("initialised {} parameters absent from the checkpoint: {}", initialised.size(), initialised);
            }
            List<String> unused = named.keySet().stream().filter(k -> !shapes.containsKey(k)).sorted().toList();
            if (!unused.isEmpty()) {
                LOG.info("checkpoint tensors not used by {}: {}", task.architecture(), unused);
            }
        }
        return new AlbertModel(config, task, manager, values);
    }

    private static Map<String, SafeTensors.Tensor> withEncoderPrefix(Map<String, SafeTensors.Tensor> weights) {
        boolean base = weights.containsKey("embeddings.word_embeddings.weight");
        if (!base) {
            return weights;
        }
        Map<String, SafeTensors.Tensor> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> out.put(ENCODER_PREFIX + k, v));
        return out;
    }

    private static SafeTensors.Tensor initialValue(String name, Shape shape, AlbertConfig config, SplittableRandom random) {
        long[] dims = shape.getShape();
        float[] values = new float[Math.toIntExact(shape.size())];
        boolean layerNorm = name.contains("LayerNorm.") || name.contains("layer_norm.");
        if (layerNorm && name.endsWith(".weight")) {
            java.util.Arrays.fill(values, 1f);
        } else if (name.endsWith(".weight")) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (nextGaussian(random) * config.initializerRange());
            }
            if (name.endsWith("word_embeddings.weight")) {
                int e = (int) dims[1];
                java.util.Arrays.fill(values, config.padTokenId() * e, (config.padTokenId() + 1) * e, 0f);
            }
        }
        return new SafeTensors.Tensor(dims, values);
    }

    private static double nextGaussian(SplittableRandom random) {
        // Box-Muller: SplittableRandom has no nextGaussian before Java 17's RandomGenerator default, kept explicit.
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
    }

    /** Every parameter of a task's model, HF names with the {@code albert.} prefix, in HF's state-dict order. */
    public static Map<String, Shape> parameterShapes(AlbertConfig c, AlbertTask task) {
        Map<String, Shape> s = new LinkedHashMap<>();
        long v = c.vocabSize();
        long e = c.embeddingSize();
        long h = c.hiddenSize();
        String emb = ENCODER_PREFIX + "embeddings.";
        s.put(emb + "word_embeddings.weight", new Shape(v, e));
        s.put(emb + "position_embeddings.weight", new Shape(c.maxPositionEmbeddings(), e));
        s.put(emb + "token_type_embeddings.weight", new Shape(c.typeVocabSize(), e));
        s.put(emb + "LayerNorm.weight", new Shape(e));
        s.put(emb + "LayerNorm.bias", new Shape(e));
        linear(s, ENCODER_PREFIX + "encoder.embedding_hidden_mapping_in", h, e);
        for (int g = 0; g < c.numHiddenGroups(); g++) {
            for (int j = 0; j < c.innerGroupNum(); j++) {
                String l = layerPrefix(g, j);
                linear(s, l + "attention.query", h, h);
                linear(s, l + "attention.key", h, h);
                linear(s, l + "attention.value", h, h);
                linear(s, l + "attention.dense", h, h);
                norm(s, l + "attention.LayerNorm", h);
                linear(s, l + "ffn", c.intermediateSize(), h);
                linear(s, l + "ffn_output", h, c.intermediateSize());
                norm(s, l + "full_layer_layer_norm", h);
            }
        }
        if (task.hasPooler()) {
            linear(s, ENCODER_PREFIX + "pooler", h, h);
        }
        switch (task) {
            case PRETRAINING, MASKED_LM -> {
                s.put("predictions.bias", new Shape(v));
                linear(s, "predictions.dense", e, h);
                norm(s, "predictions.LayerNorm", e);
                if (task == AlbertTask.PRETRAINING) {
                    linear(s, "sop_classifier.classifier", 2, h);
                }
            }
            case SEQUENCE_CLASSIFICATION -> linear(s, "classifier", numLabels(c), h);
            case QUESTION_ANSWERING -> linear(s, "qa_outputs", 2, h);
            case BASE -> { }
        }
        return s;
    }

    /** The number of classes of a classifier built from this config ({@code id2label}'s size; HF's default 2). */
    public static int numLabels(AlbertConfig c) {
        return c.id2label().isEmpty() ? 2 : c.id2label().size();
    }

    /** How many weights a task's model has (tied decoder weights counted once, as the paper does). */
    public static long parameterCount(AlbertConfig config, AlbertTask task) {
        return parameterShapes(config, task).values().stream().mapToLong(Shape::size).sum();
    }

    private static String layerPrefix(int group, int inner) {
        return ENCODER_PREFIX + "encoder.albert_layer_groups." + group + ".albert_layers." + inner + ".";
    }

    private static void linear(Map<String, Shape> s, String name, long out, long in) {
        s.put(name + ".weight", new Shape(out, in));
        s.put(name + ".bias", new Shape(out));
    }

    private static void norm(Map<String, Shape> s, String name, long size) {
        s.put(name + ".weight", new Shape(size));
        s.put(name + ".bias", new Shape(size));
    }

    /** The encoder's outputs: {@code [B, S, H]} and, where the task has a pooler, {@code [B, H]} (else null). */
    public record Encoded(NDArray sequenceOutput, NDArray pooledOutput) {}

    /**
     * Runs the encoder. {@code inputIds}, {@code attentionMask} and {@code tokenTypeIds} are int64 {@code [B, S]};
     * {@code tokenTypeIds} may be null (all zero). With {@code training}, dropout is active.
     */
    public Encoded encode(NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds, boolean training) {
        long batch = inputIds.getShape().get(0);
        long length = inputIds.getShape().get(1);
        if (length > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence length " + length + " exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        NDManager m = inputIds.getManager();
        NDArray types = tokenTypeIds != null ? tokenTypeIds : m.zeros(inputIds.getShape(), DataType.INT64);
        NDArray positions = m.arange(0L, length, 1L, DataType.INT64);
        String emb = ENCODER_PREFIX + "embeddings.";
        NDArray x = embedding(inputIds, p(emb + "word_embeddings.weight"))
                .add(embedding(types, p(emb + "token_type_embeddings.weight")))
                .add(embedding(positions, p(emb + "position_embeddings.weight")));
        x = layerNorm(x, emb + "LayerNorm");
        x = dropout(x, config.hiddenDropoutProb(), training);
        x = linear(x, ENCODER_PREFIX + "encoder.embedding_hidden_mapping_in");

        DataType compute = precision.dataType();
        NDArray mask = attentionMask != null ? attentionMask.toType(compute, false) : m.ones(inputIds.getShape(), compute);
        // HF fills with finfo(dtype).min: float16's is -65504 (-FLT_MAX would become -inf, and 0 * inf is NaN)
        NDArray fill = precision.isMixed() ? m.create(65504f).toType(compute, false) : maskFill;
        NDArray additiveMask = mask.sub(one).mul(fill).reshape(batch, 1, 1, length);

        int perGroup = config.numHiddenLayers() / config.numHiddenGroups();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            int group = i / perGroup;
            for (int j = 0; j < config.innerGroupNum(); j++) {
                x = layer(x, additiveMask, layerPrefix(group, j), training);
            }
        }
        NDArray pooled = null;
        if (task.hasPooler()) {
            pooled = linear(x.get(":, 0, :"), ENCODER_PREFIX + "pooler").tanh();
        }
        return new Encoded(x, pooled);
    }

    private NDArray layer(NDArray x, NDArray additiveMask, String l, boolean training) {
        long batch = x.getShape().get(0);
        long length = x.getShape().get(1);
        int heads = config.numAttentionHeads();
        int size = config.headSize();
        NDArray q = linear(x, l + "attention.query").reshape(batch, length, heads, size).transpose(0, 2, 1, 3);
        NDArray k = linear(x, l + "attention.key").reshape(batch, length, heads, size).transpose(0, 2, 3, 1);
        NDArray v = linear(x, l + "attention.value").reshape(batch, length, heads, size).transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(k).mul(attentionScale).add(additiveMask);
        NDArray probabilities = dropout(scores.softmax(-1), config.attentionProbsDropoutProb(), training);
        NDArray context = probabilities.matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, config.hiddenSize());
        NDArray projected = dropout(linear(context, l + "attention.dense"), config.hiddenDropoutProb(), training);
        NDArray attended = layerNorm(x.add(projected), l + "attention.LayerNorm");
        NDArray ffn = linear(activation(linear(attended, l + "ffn")), l + "ffn_output");
        return layerNorm(ffn.add(attended), l + "full_layer_layer_norm");
    }

    /** Masked-LM logits {@code [..., V]} for hidden states {@code [..., H]} (decoder tied to the word embeddings). */
    public NDArray maskedLmLogits(NDArray hidden) {
        requireHead("predictions.bias");
        NDArray h = layerNorm(activation(linear(hidden, "predictions.dense")), "predictions.LayerNorm");
        return full(Linear.linear(h, p(ENCODER_PREFIX + "embeddings.word_embeddings.weight"), p("predictions.bias"))
                .get(0));
    }

    /** Sentence-order logits {@code [B, 2]} (0: in order, 1: swapped) from the pooled output. */
    public NDArray sentenceOrderLogits(NDArray pooled, boolean training) {
        requireHead("sop_classifier.classifier.weight");
        return full(linear(dropout(pooled, config.classifierDropoutProb(), training), "sop_classifier.classifier"));
    }

    /** Classifier logits {@code [B, num_labels]} from the pooled output. */
    public NDArray classifierLogits(NDArray pooled, boolean training) {
        requireHead("classifier.weight");
        return full(linear(dropout(pooled, config.classifierDropoutProb(), training), "classifier"));
    }

    /** Span logits {@code [B, S, 2]}: start at index 0 and end at index 1 of the last axis. */
    public NDArray spanLogits(NDArray sequenceOutput) {
        requireHead("qa_outputs.weight");
        return full(linear(sequenceOutput, "qa_outputs"));
    }

    private void requireHead(String name) {
        if (!parameters.containsKey(name)) {
            throw new IllegalStateException("a " + task.architecture() + " has no " + name + " head");
        }
    }

    private NDArray activation(NDArray x) {
        return switch (config.hiddenAct()) {
            case "gelu_new" -> x.mul(half).mul(x.add(x.mul(x).mul(x).mul(geluCubic)).mul(geluScale).tanh().add(one));
            case "gelu" -> x.mul(half).mul(x.mul(erfScale).erf().add(one));
            default -> x.maximum(x.zerosLike());
        };
    }

    private NDArray embedding(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).get(0);
    }

    private NDArray linear(NDArray x, String name) {
        return Linear.linear(x, p(name + ".weight"), p(name + ".bias")).get(0);
    }

    /**
     * A head's output in float32. Under a mixed precision it is multiplied by a float32 one of shape [1]: type
     * promotion makes the product float32 and, unlike a cast, autograd records it.
     */
    private NDArray full(NDArray x) {
        return precision.isMixed() ? x.mul(floatOne) : x;
    }

    private NDArray layerNorm(NDArray x, String name) {
        NDArray gamma = p(name + ".weight");
        return LayerNorm.layerNorm(x, gamma.getShape(), gamma, p(name + ".bias"), config.layerNormEps()).get(0);
    }

    private static NDArray dropout(NDArray x, float rate, boolean training) {
        return training && rate > 0f ? Dropout.dropout(x, rate, true).get(0) : x;
    }

    private NDArray p(String name) {
        NDArray a = precision.isMixed() ? computeCopies.get(name) : parameters.get(name);
        if (a == null) {
            throw new IllegalStateException("no parameter " + name);
        }
        return a;
    }

    /** The parameters by HF name (with the {@code albert.} prefix); the arrays are the model's own. */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /**
     * The weights as a checkpoint holds them: HF names, and for {@link AlbertTask#BASE} without the
     * {@code albert.} prefix, as {@code AlbertModel.save_pretrained} writes them.
     */
    public Map<String, SafeTensors.Tensor> checkpointWeights() {
        Map<String, SafeTensors.Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            out.put(checkpointName(e.getKey()), new SafeTensors.Tensor(e.getValue().getShape().getShape(),
                    e.getValue().toFloatArray()));
        }
        return out;
    }

    /** A parameter's name in this model's checkpoint (a base model's lack the {@code albert.} prefix). */
    public String checkpointName(String parameter) {
        return task == AlbertTask.BASE ? parameter.substring(ENCODER_PREFIX.length()) : parameter;
    }

    /**
     * The precision of the passes from now on ({@link Precision#FP32} until set). The parameters stay float32
     * whatever it is; under a mixed precision the passes run on 16-bit copies of them (made now, and again by
     * {@link #refreshComputeCopies()} after each update), the heads answer in float32 and {@link #encode}'s outputs
     * are 16-bit.
     */
    public void computeIn(Precision precision) {
        this.precision = java.util.Objects.requireNonNull(precision, "precision");
        refreshComputeCopies();
    }

    public Precision precision() {
        return precision;
    }

    /** Casts the parameters anew into the 16-bit copies (after the parameters changed); nothing under FP32. */
    public void refreshComputeCopies() {
        if (computeManager != null) {
            computeManager.close();
            computeManager = null;
        }
        computeCopies.clear();
        if (!precision.isMixed()) {
            return;
        }
        computeManager = manager.newSubManager();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray copy = e.getValue().toType(precision.dataType(), true);
            ai.djl.ndarray.NDScope.unregister(copy); // lives until the next refresh, not to the end of a caller's scope
            copy.attach(computeManager);
            copy.setRequiresGradient(trainable);
            computeCopies.put(e.getKey(), copy);
        }
    }

    /**
     * Under a mixed precision, adds the gradients of the 16-bit copies, in float32, to the parameters' own: a
     * backward pass of {@code sum(p * g)}, whose gradient in {@code p} is exactly {@code g}, so that the parameters'
     * gradients accumulate as autograd keeps them. Nothing under FP32, where the parameters got them directly.
     */
    public void carryComputeGradients() {
        if (!precision.isMixed()) {
            return;
        }
        try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope();
                ai.djl.training.GradientCollector collector =
                        ai.djl.engine.Engine.getInstance().newGradientCollector()) {
            NDArray total = null;
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray gradient = computeCopies.get(e.getKey()).getGradient().toType(DataType.FLOAT32, true);
                NDArray term = e.getValue().mul(gradient).sum();
                total = total == null ? term : total.add(term);
            }
            collector.backward(total);
        }
    }

    /** Marks every parameter as trainable (gradients collected) or not. */
    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
        parameters.values().forEach(a -> a.setRequiresGradient(trainable));
        computeCopies.values().forEach(a -> a.setRequiresGradient(trainable));
    }

    public AlbertConfig config() {
        return config;
    }

    public AlbertTask task() {
        return task;
    }

    /** The manager owning the parameters; sub-managers of it hold per-batch arrays. */
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
