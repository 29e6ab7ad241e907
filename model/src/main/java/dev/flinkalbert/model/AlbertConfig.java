package dev.flinkalbert.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sizes and settings of an ALBERT model, read from and written to a Hugging Face {@code config.json}.
 *
 * <pre>{@code
 * AlbertConfig config = AlbertConfig.read(Path.of("my-model/config.json"));
 * AlbertConfig tiny = AlbertConfig.builder().hiddenSize(64).numHiddenLayers(2).numAttentionHeads(2).build();
 * }</pre>
 *
 * Fields this class does not model are kept as they were read and written back unchanged, so a user's
 * config survives a fine-tuning round trip. Defaults are those of {@code transformers.AlbertConfig}.
 */
public final class AlbertConfig {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final int vocabSize;
    private final int embeddingSize;
    private final int hiddenSize;
    private final int numHiddenLayers;
    private final int numHiddenGroups;
    private final int numAttentionHeads;
    private final int intermediateSize;
    private final int innerGroupNum;
    private final String hiddenAct;
    private final float hiddenDropoutProb;
    private final float attentionProbsDropoutProb;
    private final float classifierDropoutProb;
    private final int maxPositionEmbeddings;
    private final int typeVocabSize;
    private final float initializerRange;
    private final float layerNormEps;
    private final int padTokenId;
    private final List<String> id2label;
    private final ObjectNode extra;

    private AlbertConfig(Builder b) {
        this.vocabSize = b.vocabSize;
        this.embeddingSize = b.embeddingSize;
        this.hiddenSize = b.hiddenSize;
        this.numHiddenLayers = b.numHiddenLayers;
        this.numHiddenGroups = b.numHiddenGroups;
        this.numAttentionHeads = b.numAttentionHeads;
        this.intermediateSize = b.intermediateSize;
        this.innerGroupNum = b.innerGroupNum;
        this.hiddenAct = b.hiddenAct;
        this.hiddenDropoutProb = b.hiddenDropoutProb;
        this.attentionProbsDropoutProb = b.attentionProbsDropoutProb;
        this.classifierDropoutProb = b.classifierDropoutProb;
        this.maxPositionEmbeddings = b.maxPositionEmbeddings;
        this.typeVocabSize = b.typeVocabSize;
        this.initializerRange = b.initializerRange;
        this.layerNormEps = b.layerNormEps;
        this.padTokenId = b.padTokenId;
        this.id2label = List.copyOf(b.id2label);
        this.extra = b.extra.deepCopy();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.vocabSize = vocabSize;
        b.embeddingSize = embeddingSize;
        b.hiddenSize = hiddenSize;
        b.numHiddenLayers = numHiddenLayers;
        b.numHiddenGroups = numHiddenGroups;
        b.numAttentionHeads = numAttentionHeads;
        b.intermediateSize = intermediateSize;
        b.innerGroupNum = innerGroupNum;
        b.hiddenAct = hiddenAct;
        b.hiddenDropoutProb = hiddenDropoutProb;
        b.attentionProbsDropoutProb = attentionProbsDropoutProb;
        b.classifierDropoutProb = classifierDropoutProb;
        b.maxPositionEmbeddings = maxPositionEmbeddings;
        b.typeVocabSize = typeVocabSize;
        b.initializerRange = initializerRange;
        b.layerNormEps = layerNormEps;
        b.padTokenId = padTokenId;
        b.id2label = new ArrayList<>(id2label);
        b.extra = extra.deepCopy();
        return b;
    }

    /** Reads a Hugging Face {@code config.json}. */
    public static AlbertConfig read(Path configJson) throws IOException {
        JsonNode root = JSON.readTree(configJson.toFile());
        if (!(root instanceof ObjectNode)) {
            throw new IOException(configJson + " is not a JSON object");
        }
        return fromJson((ObjectNode) root);
    }

    static AlbertConfig fromJson(ObjectNode root) {
        String type = root.path("model_type").asText("albert");
        if (!type.equals("albert")) {
            throw new IllegalArgumentException("config.json has model_type '" + type + "'; only 'albert' is supported");
        }
        Builder b = new Builder();
        b.extra = root.deepCopy();
        b.vocabSize = intField(b.extra, "vocab_size", b.vocabSize);
        b.embeddingSize = intField(b.extra, "embedding_size", b.embeddingSize);
        b.hiddenSize = intField(b.extra, "hidden_size", b.hiddenSize);
        b.numHiddenLayers = intField(b.extra, "num_hidden_layers", b.numHiddenLayers);
        b.numHiddenGroups = intField(b.extra, "num_hidden_groups", b.numHiddenGroups);
        b.numAttentionHeads = intField(b.extra, "num_attention_heads", b.numAttentionHeads);
        b.intermediateSize = intField(b.extra, "intermediate_size", b.intermediateSize);
        b.innerGroupNum = intField(b.extra, "inner_group_num", b.innerGroupNum);
        JsonNode act = b.extra.remove("hidden_act");
        if (act != null) {
            b.hiddenAct = act.asText();
        }
        b.hiddenDropoutProb = floatField(b.extra, "hidden_dropout_prob", b.hiddenDropoutProb);
        b.attentionProbsDropoutProb = floatField(b.extra, "attention_probs_dropout_prob", b.attentionProbsDropoutProb);
        b.classifierDropoutProb = floatField(b.extra, "classifier_dropout_prob", b.classifierDropoutProb);
        b.maxPositionEmbeddings = intField(b.extra, "max_position_embeddings", b.maxPositionEmbeddings);
        b.typeVocabSize = intField(b.extra, "type_vocab_size", b.typeVocabSize);
        b.initializerRange = floatField(b.extra, "initializer_range", b.initializerRange);
        b.layerNormEps = floatField(b.extra, "layer_norm_eps", b.layerNormEps);
        b.padTokenId = intField(b.extra, "pad_token_id", b.padTokenId);
        JsonNode labels = b.extra.remove("id2label");
        b.extra.remove("label2id");
        b.id2label = new ArrayList<>();
        if (labels != null && labels.isObject()) {
            Map<Integer, String> byId = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                byId.put(Integer.parseInt(e.getKey()), e.getValue().asText());
            }
            for (int i = 0; i < byId.size(); i++) {
                String label = byId.get(i);
                if (label == null) {
                    throw new IllegalArgumentException("config.json id2label lacks id " + i + ": ids must be 0..n-1");
                }
                b.id2label.add(label);
            }
        }
        String pe = b.extra.path("position_embedding_type").asText("absolute");
        if (!pe.equals("absolute")) {
            throw new IllegalArgumentException("position_embedding_type '" + pe + "' is not supported; use 'absolute'");
        }
        return b.build();
    }

    private static int intField(ObjectNode node, String name, int fallback) {
        JsonNode v = node.remove(name);
        return v == null || v.isNull() ? fallback : v.asInt();
    }

    private static float floatField(ObjectNode node, String name, float fallback) {
        JsonNode v = node.remove(name);
        return v == null || v.isNull() ? fallback : (float) v.asDouble();
    }

    /** This config as Hugging Face writes it, with {@code architectures} set to the given class name. */
    public ObjectNode toJson(String architecture) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add(architecture);
        root.put("model_type", "albert");
        root.put("vocab_size", vocabSize);
        root.put("embedding_size", embeddingSize);
        root.put("hidden_size", hiddenSize);
        root.put("num_hidden_layers", numHiddenLayers);
        root.put("num_hidden_groups", numHiddenGroups);
        root.put("num_attention_heads", numAttentionHeads);
        root.put("intermediate_size", intermediateSize);
        root.put("inner_group_num", innerGroupNum);
        root.put("hidden_act", hiddenAct);
        root.put("hidden_dropout_prob", hiddenDropoutProb);
        root.put("attention_probs_dropout_prob", attentionProbsDropoutProb);
        root.put("classifier_dropout_prob", classifierDropoutProb);
        root.put("max_position_embeddings", maxPositionEmbeddings);
        root.put("type_vocab_size", typeVocabSize);
        root.put("initializer_range", initializerRange);
        root.put("layer_norm_eps", layerNormEps);
        root.put("pad_token_id", padTokenId);
        if (!id2label.isEmpty()) {
            ObjectNode byId = root.putObject("id2label");
            ObjectNode byLabel = root.putObject("label2id");
            for (int i = 0; i < id2label.size(); i++) {
                byId.put(Integer.toString(i), id2label.get(i));
                byLabel.put(id2label.get(i), i);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = extra.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!root.has(e.getKey())) {
                root.set(e.getKey(), e.getValue().deepCopy());
            }
        }
        root.put("dtype", "float32");
        root.remove("torch_dtype");
        return root;
    }

    /** Writes {@code config.json} as Hugging Face does. */
    public void write(Path configJson, String architecture) throws IOException {
        Files.writeString(configJson, JSON.writeValueAsString(toJson(architecture)) + "\n");
    }

    /** The JSON text of {@code id2label} ({@code {"0":"negative",...}}), for ONNX metadata. */
    public String id2labelJson() {
        ObjectNode byId = JSON.createObjectNode();
        for (int i = 0; i < id2label.size(); i++) {
            byId.put(Integer.toString(i), id2label.get(i));
        }
        try {
            return new ObjectMapper().writeValueAsString(byId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int vocabSize() { return vocabSize; }
    public int embeddingSize() { return embeddingSize; }
    public int hiddenSize() { return hiddenSize; }
    public int numHiddenLayers() { return numHiddenLayers; }
    public int numHiddenGroups() { return numHiddenGroups; }
    public int numAttentionHeads() { return numAttentionHeads; }
    public int intermediateSize() { return intermediateSize; }
    public int innerGroupNum() { return innerGroupNum; }
    public String hiddenAct() { return hiddenAct; }
    public float hiddenDropoutProb() { return hiddenDropoutProb; }
    public float attentionProbsDropoutProb() { return attentionProbsDropoutProb; }
    public float classifierDropoutProb() { return classifierDropoutProb; }
    public int maxPositionEmbeddings() { return maxPositionEmbeddings; }
    public int typeVocabSize() { return typeVocabSize; }
    public float initializerRange() { return initializerRange; }
    public float layerNormEps() { return layerNormEps; }
    public int padTokenId() { return padTokenId; }
    /** Label names by class id; empty when the config names none. */
    public List<String> id2label() { return Collections.unmodifiableList(id2label); }
    public int headSize() { return hiddenSize / numAttentionHeads; }

    /** Builds an {@link AlbertConfig}; defaults are {@code transformers.AlbertConfig()}'s (albert-xxlarge sizes). */
    public static final class Builder {
        private int vocabSize = 30000;
        private int embeddingSize = 128;
        private int hiddenSize = 4096;
        private int numHiddenLayers = 12;
        private int numHiddenGroups = 1;
        private int numAttentionHeads = 64;
        private int intermediateSize = 16384;
        private int innerGroupNum = 1;
        private String hiddenAct = "gelu_new";
        private float hiddenDropoutProb = 0f;
        private float attentionProbsDropoutProb = 0f;
        private float classifierDropoutProb = 0.1f;
        private int maxPositionEmbeddings = 512;
        private int typeVocabSize = 2;
        private float initializerRange = 0.02f;
        private float layerNormEps = 1e-12f;
        private int padTokenId = 0;
        private List<String> id2label = new ArrayList<>();
        private ObjectNode extra = JSON.createObjectNode();

        private Builder() {}

        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder embeddingSize(int v) { embeddingSize = v; return this; }
        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        public Builder numHiddenLayers(int v) { numHiddenLayers = v; return this; }
        public Builder numHiddenGroups(int v) { numHiddenGroups = v; return this; }
        public Builder numAttentionHeads(int v) { numAttentionHeads = v; return this; }
        public Builder intermediateSize(int v) { intermediateSize = v; return this; }
        public Builder innerGroupNum(int v) { innerGroupNum = v; return this; }
        public Builder hiddenAct(String v) { hiddenAct = v; return this; }
        public Builder hiddenDropoutProb(float v) { hiddenDropoutProb = v; return this; }
        public Builder attentionProbsDropoutProb(float v) { attentionProbsDropoutProb = v; return this; }
        public Builder classifierDropoutProb(float v) { classifierDropoutProb = v; return this; }
        public Builder maxPositionEmbeddings(int v) { maxPositionEmbeddings = v; return this; }
        public Builder typeVocabSize(int v) { typeVocabSize = v; return this; }
        public Builder initializerRange(float v) { initializerRange = v; return this; }
        public Builder layerNormEps(float v) { layerNormEps = v; return this; }
        public Builder padTokenId(int v) { padTokenId = v; return this; }
        public Builder id2label(List<String> v) { id2label = new ArrayList<>(v); return this; }

        public AlbertConfig build() {
            if (hiddenSize % numAttentionHeads != 0) {
                throw new IllegalArgumentException("hidden_size " + hiddenSize
                        + " is not a multiple of num_attention_heads " + numAttentionHeads);
            }
            if (numHiddenGroups < 1 || numHiddenLayers % numHiddenGroups != 0) {
                throw new IllegalArgumentException("num_hidden_layers " + numHiddenLayers
                        + " must be a multiple of num_hidden_groups " + numHiddenGroups);
            }
            if (!hiddenAct.equals("gelu_new") && !hiddenAct.equals("gelu") && !hiddenAct.equals("relu")) {
                throw new IllegalArgumentException("hidden_act '" + hiddenAct
                        + "' is not supported; use gelu_new (ALBERT's), gelu or relu");
            }
            return new AlbertConfig(this);
        }
    }
}
