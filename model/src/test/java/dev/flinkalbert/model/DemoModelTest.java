package dev.flinkalbert.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.inference.ClassificationPrediction;
import dev.flinkalbert.inference.Classifier;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.Outcome;
import dev.flinkalbert.inference.TextInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed demo model ({@code model/demo-model}, made by the commands in its README) as the streaming demo
 * loads it: the ONNX contract of HF/optimum sequence-classification exports, checked field by field, and hand-written
 * review sentences whose sentiment is not in doubt, through the operators' engine.
 */
class DemoModelTest {

    /** Where the demo and {@code ./albert demo --model-dir} find it, from the model module's directory. */
    private static final Path DEMO_MODEL = Path.of("demo-model");
    private static final long SIZE_BUDGET = 15L * 1024 * 1024;

    @Test
    void directoryHoldsTheOnnxContract() throws IOException {
        for (String file : List.of("model.onnx", "config.json", "spiece.model", "README.md")) {
            assertTrue(Files.isRegularFile(DEMO_MODEL.resolve(file)), DEMO_MODEL.resolve(file) + " is missing");
        }
        long size;
        try (Stream<Path> files = Files.walk(DEMO_MODEL)) {
            size = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(size < SIZE_BUDGET, "demo model is " + size + " bytes, over the 15 MB budget");

        JsonNode config = new ObjectMapper().readTree(DEMO_MODEL.resolve("config.json").toFile());
        assertEquals("negative", config.path("id2label").path("0").asText());
        assertEquals("positive", config.path("id2label").path("1").asText());
        assertEquals(0, config.path("label2id").path("negative").asInt(-1));
        assertEquals(1, config.path("label2id").path("positive").asInt(-1));
        assertEquals("albert", config.path("model_type").asText());

        ModelProto onnx = ModelProto.parseFrom(Files.readAllBytes(DEMO_MODEL.resolve("model.onnx")));
        assertEquals(8, onnx.getIrVersion());
        assertTrue(onnx.getOpsetImportList().stream()
                .anyMatch(o -> o.getDomain().isEmpty() && o.getVersion() == 17), "opset 17");
        assertEquals(List.of(""), onnx.getOpsetImportList().stream().map(OperatorSetIdProto::getDomain).toList());
        List<ValueInfoProto> inputs = onnx.getGraph().getInputList();
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"),
                inputs.stream().map(ValueInfoProto::getName).toList());
        for (ValueInfoProto input : inputs) {
            assertEquals(TensorProto.DataType.INT64_VALUE, input.getType().getTensorType().getElemType(), input.getName());
            assertEquals(List.of("batch_size", "sequence_length"), dims(input), input.getName());
        }
        assertEquals(1, onnx.getGraph().getOutputCount());
        ValueInfoProto logits = onnx.getGraph().getOutput(0);
        assertEquals("logits", logits.getName());
        assertEquals(TensorProto.DataType.FLOAT_VALUE, logits.getType().getTensorType().getElemType());
        assertEquals(List.of("batch_size", "2"), dims(logits));
    }

    @Test
    void classifiesObviousSentencesThroughTheOperatorsEngine() throws Exception {
        List<String> positive = List.of(
                "I love this phone, it works great.",
                "The food was delicious and the staff were very friendly.",
                "This is one of the best movies I have ever seen.",
                "Excellent product, highly recommended.");
        List<String> negative = List.of(
                "This is the worst phone I have ever owned.",
                "The food was cold and the service was terrible.",
                "A boring, awful movie and a complete waste of time.",
                "Very poor quality, it broke after two days.");
        List<TextInput> inputs = new ArrayList<>();
        Stream.concat(positive.stream(), negative.stream()).forEach(t -> inputs.add(TextInput.of(t)));
        try (dev.flinkalbert.inference.AlbertModel model = dev.flinkalbert.inference.AlbertModel.builder()
                        .modelDirectory(DEMO_MODEL).intraOpThreads(1).build();
                Classifier classifier = model.classifier().build()) {
            assertEquals(ModelTask.CLASSIFICATION, model.task());
            assertEquals(List.of("negative", "positive"), model.labels());
            List<Outcome<ClassificationPrediction>> out = classifier.predict(inputs);
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                assertTrue(out.get(i).isSuccess(), inputs.get(i).text());
                String expected = i < positive.size() ? "positive" : "negative";
                ClassificationPrediction p = out.get(i).value();
                if (!expected.equals(p.label())) {
                    wrong.add(inputs.get(i).text() + " -> " + p.label() + " " + p.score());
                }
            }
            assertTrue(wrong.isEmpty(), "misclassified: " + wrong);
        }
    }

    /** A value's dimensions: symbolic names, or sizes as text. */
    private static List<String> dims(ValueInfoProto value) {
        return value.getType().getTensorType().getShape().getDimList().stream()
                .map(d -> d.hasDimParam() ? d.getDimParam() : Long.toString(d.getDimValue())).toList();
    }
}
