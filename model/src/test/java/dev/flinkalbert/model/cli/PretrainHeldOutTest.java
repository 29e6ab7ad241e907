package dev.flinkalbert.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train pretrain --held-out}: documents kept out of training, evaluated every --eval-every steps. */
class PretrainHeldOutTest {

    @Test
    void heldOutSentenceOrderAccuracyIsReportedWithTheLosses(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        String[] topics = {"the ship", "the whale", "the harbour", "the captain", "the sailors", "the storm",
            "the island", "the letter"};
        for (int d = 0; d < 8; d++) {
            for (int s = 0; s < 6; s++) {
                lines.add("In chapter " + (d + 1) + " " + topics[d] + " is described again, sentence " + (s + 1) + ".");
            }
            lines.add("");
        }
        Path text = Files.write(dir.resolve("corpus.txt"), lines);
        Path out = dir.resolve("pretrained");
        int code = TrainCli.commandLine().execute("pretrain", "--text", text.toString(), "--vocab",
                Fixtures.repositoryRoot().resolve("model/demo-model/spiece.model").toString(), "--embedding-size", "16",
                "--hidden-size", "32", "--layers", "2", "--heads", "2", "--intermediate-size", "64", "--max-length",
                "32", "--batch-size", "4", "--steps", "4", "--eval-every", "2", "--held-out", "0.25",
                "--checkpoint-every", "0", "--out", out.toString());
        assertEquals(0, code);
        List<JsonNode> evaluations = Fixtures.jsonLines(out.resolve("metrics.jsonl")).stream()
                .filter(n -> n.path("type").asText().equals("eval")).toList();
        assertEquals(List.of(2L, 4L), evaluations.stream().map(n -> n.path("step").asLong()).toList(),
                "an evaluation every 2 steps");
        for (JsonNode e : evaluations) {
            double accuracy = e.path("held_out_sop_accuracy").asDouble(-1);
            assertTrue(accuracy >= 0 && accuracy <= 1, e.toString());
            assertTrue(e.path("held_out_sop_loss").asDouble() > 0, e.toString());
            double predicted = e.path("held_out_sop_predicted_swapped").asDouble(-1);
            assertTrue(predicted >= 0 && predicted <= 1, e.toString());
            assertTrue(Double.isFinite(e.path("held_out_mlm_loss").asDouble(Double.NaN)), e.toString());
        }

        int refused = TrainCli.commandLine().execute("pretrain", "--text", text.toString(), "--vocab",
                Fixtures.repositoryRoot().resolve("model/demo-model/spiece.model").toString(), "--held-out", "1",
                "--out", dir.resolve("x").toString());
        assertEquals(1, refused, "--held-out 1 leaves nothing to train on");
    }
}
