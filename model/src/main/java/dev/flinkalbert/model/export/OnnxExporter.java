package dev.flinkalbert.model.export;

import ai.djl.ndarray.NDArray;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Exports an {@link AlbertModel} as an ONNX graph with the contract of Hugging Face / optimum exports, into a model
 * directory that the operators load as it is ({@code model.onnx}, {@code config.json}, {@code spiece.model}).
 *
 * <pre>{@code
 * OnnxExporter exporter = OnnxExporter.builder()
 *         .model(model)                                   // required
 *         .task(AlbertTask.SEQUENCE_CLASSIFICATION)        // default: the model's own (pretraining: masked LM)
 *         .modelVersion("2026-11-29")                      // default "1"
 *         .vocabulary(Path.of("spiece.model"))             // copied next to model.onnx when set
 *         .build();
 * exporter.writeModelDirectory(Path.of("models/sentiment"));
 * }</pre>
 *
 * The graph is opset 17, IR version 8. Inputs {@code input_ids}, {@code attention_mask}, {@code token_type_ids},
 * int64 {@code [batch_size, sequence_length]}. Outputs by task: base {@code last_hidden_state}, {@code pooler_output};
 * sequence classification {@code logits [batch_size, num_labels]}; question answering {@code start_logits},
 * {@code end_logits}; masked LM {@code logits [batch_size, sequence_length, vocab]}. The metadata properties hold
 * {@code id2label} (JSON), {@code model_version} and {@code task}. Weights are the HF-named parameters; linear
 * weights stay {@code [out, in]} behind a Transpose that ONNX Runtime folds when it loads the graph.
 */
public final class OnnxExporter {

    public static final String MODEL_FILE = "model.onnx";
    public static final String VOCABULARY_FILE = "spiece.model";
    public static final String DEFAULT_MODEL_VERSION = "1";
    public static final int OPSET = 17;
    public static final long IR_VERSION = 8;
    private static final String BATCH = "batch_size";
    private static final String SEQUENCE = "sequence_length";

    private final AlbertModel model;
    private final AlbertTask task;
    private final String modelVersion;
    private final Path vocabulary;

    private OnnxExporter(Builder b) {
        this.model = b.model;
        this.task = b.task;
        this.modelVersion = b.modelVersion;
        this.vocabulary = b.vocabulary;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Writes {@code model.onnx}, {@code config.json} and (when set) {@code spiece.model} into {@code dir}. */
    public void writeModelDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(MODEL_FILE + ".tmp");
        Files.write(tmp, toModel().toByteArray());
        Files.move(tmp, dir.resolve(MODEL_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        model.config().write(dir.resolve(HfCheckpoint.CONFIG_FILE), task.architecture());
        if (vocabulary != null && !vocabulary.toAbsolutePath().equals(dir.resolve(VOCABULARY_FILE).toAbsolutePath())) {
            Files.copy(vocabulary, dir.resolve(VOCABULARY_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The ONNX model. */
    public ModelProto toModel() {
        AlbertConfig c = model.config();
        OnnxGraph g = new OnnxGraph("albert_" + task.cliName().replace('-', '_'));
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            if (isExported(e.getKey())) {
                g.initializer(e.getKey(), e.getValue().getShape().getShape(), e.getValue().toFloatArray());
            }
        }
        g.input("input_ids", TensorProto.DataType.INT64, BATCH, SEQUENCE);
        g.input("attention_mask", TensorProto.DataType.INT64, BATCH, SEQUENCE);
        g.input("token_type_ids", TensorProto.DataType.INT64, BATCH, SEQUENCE);

        Graph graph = new Graph(g, c);
        String hidden = graph.encoder();
        switch (task) {
            case BASE -> {
                String last = g.rename(hidden, "last_hidden_state");
                g.output(last, TensorProto.DataType.FLOAT, BATCH, SEQUENCE, (long) c.hiddenSize());
                if (model.task().hasPooler()) {
                    g.output(g.rename(graph.pooler(last), "pooler_output"), TensorProto.DataType.FLOAT, BATCH,
                            (long) c.hiddenSize());
                }
            }
            case SEQUENCE_CLASSIFICATION -> g.output(g.rename(graph.linear(graph.pooler(hidden), "classifier"), "logits"),
                    TensorProto.DataType.FLOAT, BATCH, (long) AlbertModel.numLabels(c));
            case QUESTION_ANSWERING -> {
                String spans = graph.linear(hidden, "qa_outputs");
                String start = g.op("Gather", Map.of("axis", 2L), spans, g.int64(true, 0));
                String end = g.op("Gather", Map.of("axis", 2L), spans, g.int64(true, 1));
                g.output(g.rename(start, "start_logits"), TensorProto.DataType.FLOAT, BATCH, SEQUENCE);
                g.output(g.rename(end, "end_logits"), TensorProto.DataType.FLOAT, BATCH, SEQUENCE);
            }
            case MASKED_LM -> g.output(g.rename(graph.maskedLm(hidden), "logits"), TensorProto.DataType.FLOAT, BATCH,
                    SEQUENCE, (long) c.vocabSize());
            case PRETRAINING -> throw new IllegalStateException("unreachable: checked in build()");
        }

        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("flink-albert")
                .setProducerVersion(producerVersion())
                .setDocString("ALBERT " + task.architecture() + " exported by flink-albert")
                .setGraph(g.build());
        Map<String, String> metadata = new LinkedHashMap<>();
        if (task == AlbertTask.SEQUENCE_CLASSIFICATION) {
            metadata.put("id2label", c.id2labelJson());
        }
        metadata.put("model_version", modelVersion);
        metadata.put("task", task.cliName());
        metadata.put("architecture", task.architecture());
        metadata.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    private boolean isExported(String name) {
        if (name.startsWith(AlbertModel.ENCODER_PREFIX + "pooler.")) {
            return task == AlbertTask.BASE || task == AlbertTask.SEQUENCE_CLASSIFICATION;
        }
        if (name.startsWith(AlbertModel.ENCODER_PREFIX)) {
            return true;
        }
        return switch (task) {
            case MASKED_LM -> name.startsWith("predictions.");
            case SEQUENCE_CLASSIFICATION -> name.startsWith("classifier.");
            case QUESTION_ANSWERING -> name.startsWith("qa_outputs.");
            default -> false;
        };
    }

    private static String producerVersion() {
        String v = OnnxExporter.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    /** The ALBERT graph, node for node as {@link AlbertModel} computes it. */
    private static final class Graph {
        private final OnnxGraph g;
        private final AlbertConfig c;
        private final Map<String, String> transposed = new LinkedHashMap<>();

        Graph(OnnxGraph g, AlbertConfig c) {
            this.g = g;
            this.c = c;
        }

        String encoder() {
            String emb = AlbertModel.ENCODER_PREFIX + "embeddings.";
            String words = g.op("Gather", Map.of("axis", 0L), emb + "word_embeddings.weight", "input_ids");
            String types = g.op("Gather", Map.of("axis", 0L), emb + "token_type_embeddings.weight", "token_type_ids");
            // positions 0..S-1: the first S rows of the position table, S read from input_ids' shape
            String length = g.op("Slice", g.op("Shape", "input_ids"), g.int64(false, 1), g.int64(false, 2));
            String positions = g.op("Slice", emb + "position_embeddings.weight", g.int64(false, 0), length,
                    g.int64(false, 0));
            String x = g.op("Add", g.op("Add", words, types), positions);
            x = layerNorm(x, emb + "LayerNorm");
            x = linear(x, AlbertModel.ENCODER_PREFIX + "encoder.embedding_hidden_mapping_in");

            String mask = g.op("Cast", Map.of("to", TensorProto.DataType.FLOAT), "attention_mask");
            String additive = g.op("Mul", g.op("Sub", mask, g.scalar(1f)), g.scalar(Float.MAX_VALUE));
            additive = g.op("Unsqueeze", additive, g.int64(false, 1, 2));

            int perGroup = c.numHiddenLayers() / c.numHiddenGroups();
            for (int i = 0; i < c.numHiddenLayers(); i++) {
                for (int j = 0; j < c.innerGroupNum(); j++) {
                    x = layer(x, additive, AlbertModel.ENCODER_PREFIX + "encoder.albert_layer_groups." + (i / perGroup)
                            + ".albert_layers." + j + ".");
                }
            }
            return x;
        }

        private String layer(String x, String additiveMask, String l) {
            String heads = g.int64(false, 0, 0, c.numAttentionHeads(), c.headSize());
            String q = g.op("Transpose", Map.of("perm", new long[] {0, 2, 1, 3}),
                    g.op("Reshape", linear(x, l + "attention.query"), heads));
            String k = g.op("Transpose", Map.of("perm", new long[] {0, 2, 3, 1}),
                    g.op("Reshape", linear(x, l + "attention.key"), heads));
            String v = g.op("Transpose", Map.of("perm", new long[] {0, 2, 1, 3}),
                    g.op("Reshape", linear(x, l + "attention.value"), heads));
            String scores = g.op("Add", g.op("Mul", g.op("MatMul", q, k),
                    g.scalar((float) (1.0 / Math.sqrt(c.headSize())))), additiveMask);
            String probabilities = g.op("Softmax", Map.of("axis", -1L), scores);
            String context = g.op("Reshape", g.op("Transpose", Map.of("perm", new long[] {0, 2, 1, 3}),
                    g.op("MatMul", probabilities, v)), g.int64(false, 0, 0, c.hiddenSize()));
            String attended = layerNorm(g.op("Add", x, linear(context, l + "attention.dense")), l + "attention.LayerNorm");
            String ffn = linear(activation(linear(attended, l + "ffn")), l + "ffn_output");
            return layerNorm(g.op("Add", ffn, attended), l + "full_layer_layer_norm");
        }

        String pooler(String hidden) {
            String first = g.op("Gather", Map.of("axis", 1L), hidden, g.int64(true, 0));
            return g.op("Tanh", linear(first, AlbertModel.ENCODER_PREFIX + "pooler"));
        }

        String maskedLm(String hidden) {
            String h = layerNorm(activation(linear(hidden, "predictions.dense")), "predictions.LayerNorm");
            String decoder = transpose(AlbertModel.ENCODER_PREFIX + "embeddings.word_embeddings.weight");
            return g.op("Add", g.op("MatMul", h, decoder), "predictions.bias");
        }

        String linear(String x, String name) {
            return g.op("Add", g.op("MatMul", x, transpose(name + ".weight")), name + ".bias");
        }

        private String transpose(String weight) {
            return transposed.computeIfAbsent(weight, w -> g.op("Transpose", Map.of("perm", new long[] {1, 0}), w));
        }

        private String layerNorm(String x, String name) {
            return g.op("LayerNormalization", Map.of("axis", -1L, "epsilon", c.layerNormEps()), x, name + ".weight",
                    name + ".bias");
        }

        private String activation(String x) {
            return switch (c.hiddenAct()) {
                case "gelu_new" -> {
                    String cube = g.op("Mul", g.op("Mul", x, x), x);
                    String inner = g.op("Mul", g.op("Add", x, g.op("Mul", cube, g.scalar(0.044715f))),
                            g.scalar((float) Math.sqrt(2.0 / Math.PI)));
                    yield g.op("Mul", g.op("Mul", x, g.scalar(0.5f)), g.op("Add", g.op("Tanh", inner), g.scalar(1f)));
                }
                case "gelu" -> g.op("Mul", g.op("Mul", x, g.scalar(0.5f)),
                        g.op("Add", g.op("Erf", g.op("Mul", x, g.scalar((float) (1.0 / Math.sqrt(2.0))))), g.scalar(1f)));
                default -> g.op("Relu", x);
            };
        }
    }

    /** Builds an {@link OnnxExporter}; {@link #model} is required. */
    public static final class Builder {
        private AlbertModel model;
        private AlbertTask task;
        private String modelVersion = DEFAULT_MODEL_VERSION;
        private Path vocabulary;

        private Builder() {}

        /** The model to export (required). */
        public Builder model(AlbertModel model) {
            this.model = model;
            return this;
        }

        /** The graph's outputs; default the model's own task ({@link AlbertTask#PRETRAINING}: masked LM). */
        public Builder task(AlbertTask task) {
            this.task = task;
            return this;
        }

        /** Written to the metadata property {@code model_version}. */
        public Builder modelVersion(String modelVersion) {
            this.modelVersion = modelVersion;
            return this;
        }

        /** The tokenizer's {@code spiece.model}, copied into the model directory. */
        public Builder vocabulary(Path spieceModel) {
            this.vocabulary = spieceModel;
            return this;
        }

        public OnnxExporter build() {
            if (model == null) {
                throw new IllegalStateException("OnnxExporter needs a model: call model(AlbertModel)");
            }
            if (task == null) {
                task = model.task() == AlbertTask.PRETRAINING ? AlbertTask.MASKED_LM : model.task();
            }
            Set<AlbertTask> possible = EnumSet.of(AlbertTask.BASE,
                    model.task() == AlbertTask.PRETRAINING ? AlbertTask.MASKED_LM : model.task());
            if (!possible.contains(task)) {
                throw new IllegalStateException("a " + model.task().architecture() + " cannot be exported as "
                        + task.cliName() + "; possible: " + possible.stream().map(AlbertTask::cliName).sorted().toList());
            }
            if (modelVersion == null || modelVersion.isBlank()) {
                throw new IllegalStateException("modelVersion must not be blank (default \"" + DEFAULT_MODEL_VERSION + "\")");
            }
            if (vocabulary != null && !Files.isRegularFile(vocabulary)) {
                throw new IllegalStateException("vocabulary " + vocabulary + " does not exist: pass the spiece.model "
                        + "the model was trained with");
            }
            return new OnnxExporter(this);
        }
    }
}
