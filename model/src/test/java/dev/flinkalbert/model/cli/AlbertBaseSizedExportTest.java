package dev.flinkalbert.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.ClassificationPrediction;
import dev.flinkalbert.inference.Classifier;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.TextInput;
import dev.flinkalbert.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An albert-base-v2-sized model, made as the README tells (random weights of {@code docs/examples/
 * albert-base-v2-config.json} through {@code ./albert train export --config}): the graph holds the 11,685,122
 * parameters transformers counts for that shape, and the operators' engine loads it and classifies with it. This
 * stands in for a committed 47 MB random model.
 */
class AlbertBaseSizedExportTest {

    @Test
    void exportsARandomAlbertBaseThatTheEngineLoads(@TempDir Path dir) throws Exception {
        Path config = Fixtures.repositoryRoot().resolve("docs/examples/albert-base-v2-config.json");
        Path out = dir.resolve("albert-base-random");
        StringWriter err = new StringWriter();
        assertEquals(0, TrainCli.commandLine().setErr(new PrintWriter(err)).execute("export",
                "--config", config.toString(), "--vocab", Fixtures.require("albert-base-v2/spiece.model").toString(),
                "--out", out.toString()), err.toString());

        // transformers: sum(p.numel() for p in AlbertForSequenceClassification(albert-base-v2 config).parameters())
        ModelProto graph = ModelProto.parseFrom(Files.readAllBytes(out.resolve("model.onnx")));
        long weights = 0;
        for (TensorProto t : graph.getGraph().getInitializerList()) {
            if (t.getName().startsWith("albert.") || t.getName().startsWith("classifier.")) {
                weights += t.getDimsList().stream().mapToLong(Long::longValue).reduce(1L, (a, b) -> a * b);
            }
        }
        assertEquals(11_685_122L, weights);

        try (AlbertModel model = AlbertModel.builder().modelDirectory(out).intraOpThreads(1).build();
                Classifier classifier = model.classifier().build()) {
            assertEquals(ModelTask.CLASSIFICATION, model.task());
            assertEquals(List.of("LABEL_0", "LABEL_1"), model.labels(), "transformers' names without id2label");
            assertEquals(512, model.maxLength());
            ClassificationPrediction p = classifier.predict(List.of(TextInput.of("a short smoke test"))).get(0)
                    .value();
            assertEquals(1f, p.scores()[0] + p.scores()[1], 1e-5f);
            assertTrue(p.label().equals("LABEL_0") || p.label().equals("LABEL_1"), p.label());
        }
    }

    @Test
    void saysWhatToGiveWhenNeitherModelNorConfigIsGiven(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        assertEquals(1, TrainCli.commandLine().setErr(new PrintWriter(err)).execute("export", "--out", dir.toString()));
        assertTrue(err.toString().contains("give either --model DIR"), err.toString());
    }
}
