package dev.flinkalbert.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.flinkalbert.model.checkpoint.SafeTensors;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The model's parameters are ALBERT's: the paper's count for albert-base and HF's names and shapes. */
class AlbertParameterCountTest {

    /** albert-base-v2's shape, as its Hugging Face config.json gives it (E 128, H 768, 12 shared layers, 12 heads). */
    static AlbertConfig albertBaseV2() {
        return AlbertConfig.builder().vocabSize(30000).embeddingSize(128).hiddenSize(768).numHiddenLayers(12)
                .numAttentionHeads(12).intermediateSize(3072).maxPositionEmbeddings(512).build();
    }

    @Test
    void albertBaseClassifierHasThePapersTwelveMillionParameters() {
        AlbertConfig config = albertBaseV2();
        // transformers counts 11,685,122 in a 2-label AlbertForSequenceClassification of this shape
        // (sum(p.numel() for p in model.parameters()), transformers 4.57.6).
        assertEquals(11_685_122L, AlbertModel.parameterCount(config, AlbertTask.SEQUENCE_CLASSIFICATION));
        // The paper's BERT-base has 108M; without sharing, ALBERT-base's 12 layers would hold about 89M.
        long encoder = AlbertModel.parameterCount(config, AlbertTask.BASE);
        assertTrue(encoder < 12_000_000L, "albert-base encoder: " + encoder);
    }

    @Test
    void namesAndShapesAreThoseTransformersSaves() throws Exception {
        for (String name : List.of("base", "seqcls", "qa")) {
            Path dir = Fixtures.require("hf-albert-tiny/" + name);
            AlbertConfig config = AlbertConfig.read(dir.resolve("config.json"));
            Map<String, Shape> expected = new TreeMap<>();
            SafeTensors.read(dir.resolve("model.safetensors"))
                    .forEach((k, v) -> expected.put(k, new Shape(v.shape())));
            AlbertTask task = dev.flinkalbert.model.checkpoint.HfCheckpoint.architectureOf(dir);
            Map<String, Shape> ours = new TreeMap<>();
            AlbertModel.parameterShapes(config, task).forEach((k, v) ->
                    ours.put(task == AlbertTask.BASE ? k.substring(AlbertModel.ENCODER_PREFIX.length()) : k, v));
            assertEquals(expected, ours, name);
        }
    }

    @Test
    void groupsMultiplyTheLayerParameters() {
        AlbertConfig one = AlbertConfig.builder().vocabSize(100).embeddingSize(8).hiddenSize(16)
                .numAttentionHeads(2).intermediateSize(32).numHiddenLayers(4).build();
        AlbertConfig two = one.toBuilder().numHiddenGroups(2).build();
        // one layer: 4 attention linears (4·(16·16+16)) + LayerNorm (32) + ffn (16·32+32) + ffn_output (32·16+16) + LayerNorm (32)
        long layer = 4 * (16 * 16 + 16) + 32 + (16 * 32 + 32) + (32 * 16 + 16) + 32;
        assertEquals(layer, AlbertModel.parameterCount(two, AlbertTask.BASE) - AlbertModel.parameterCount(one, AlbertTask.BASE));
        Map<String, Shape> shapes = new LinkedHashMap<>(AlbertModel.parameterShapes(two, AlbertTask.BASE));
        assertTrue(shapes.containsKey("albert.encoder.albert_layer_groups.1.albert_layers.0.ffn.weight"));
    }
}
