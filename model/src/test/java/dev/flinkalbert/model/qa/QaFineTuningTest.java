package dev.flinkalbert.model.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.cli.TrainCli;
import dev.flinkalbert.testing.Fixtures;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QA fine-tuning through {@code ./albert train qa} on a small SQuAD file: labels as run_qa.py makes them, falling
 * loss, EM/F1 per epoch, and a model directory with the QA graph.
 */
class QaFineTuningTest {

    private static final String[] COLOURS = {"red", "blue", "green", "yellow", "black", "white"};
    private static final String[] THINGS = {"car", "house", "door", "boat", "bike", "hat", "kite", "cup"};

    /** "The <thing> is <colour>. ..." with the question "What colour is the <thing>?". */
    private static Path squad(Path file) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ArrayNode paragraphs = root.putArray("data").addObject().put("title", "colours").putArray("paragraphs");
        int n = 0;
        for (int i = 0; i < THINGS.length; i++) {
            for (int j = 0; j < COLOURS.length; j++) {
                String thing = THINGS[i];
                String colour = COLOURS[(i + j) % COLOURS.length];
                String context = "We walked home. The " + thing + " is " + colour + ". It was late.";
                ObjectNode p = paragraphs.addObject().put("context", context);
                ObjectNode qa = p.putArray("qas").addObject().put("id", "q" + n++)
                        .put("question", "What colour is the " + thing + "?");
                qa.putArray("answers").addObject().put("text", colour).put("answer_start", context.indexOf(colour + "."));
            }
        }
        json.writeValue(file.toFile(), root);
        return file;
    }

    @Test
    void labelsCoverTheAnswerTokens(@TempDir Path dir) throws Exception {
        Path fixture = Fixtures.require("hf-albert-tiny/qa");
        AlbertTokenizer tokenizer = AlbertTokenizer.fromModelDirectory(fixture);
        List<SquadExample> examples = SquadExample.read(squad(dir.resolve("s.json")));
        QaData data = QaData.encode(examples, tokenizer, 64, 16, 8, 1L);
        for (QaData.Feature f : data.features()) {
            SquadExample e = examples.get(f.example());
            SquadExample.Answer a = e.answers().get(0);
            int from = f.encoding().starts()[f.startPosition()];
            int to = f.encoding().ends()[f.endPosition()];
            // the labelled tokens cover exactly the answer (ALBERT pieces keep the word's leading space out)
            assertEquals(a.text(), e.context().substring(from, to).strip(), e.id());
        }
        // a window too short for the answer is labelled [CLS]
        QaData narrow = QaData.encode(examples.subList(0, 1), tokenizer, 16, 4, 8, 1L);
        assertTrue(narrow.features().size() > 1);
        assertTrue(narrow.features().stream().anyMatch(f -> f.startPosition() == 0 && f.endPosition() == 0));
    }

    @Test
    void commandLineFineTunesEvaluatesAndExports(@TempDir Path dir) throws Exception {
        Path fixture = Fixtures.require("hf-albert-tiny/qa");
        Path out = dir.resolve("qa");
        assertEquals(0, TrainCli.commandLine().execute("qa", "--init", fixture.toString(), "--train",
                squad(dir.resolve("train.json")).toString(), "--validation-split", "0.25", "--epochs", "3",
                "--batch-size", "8", "--max-length", "64", "--stride", "16", "--learning-rate", "2e-3",
                "--out", out.toString()));
        assertEquals(AlbertTask.QUESTION_ANSWERING, HfCheckpoint.architectureOf(out));
        assertTrue(Files.isRegularFile(out.resolve("model.onnx")));
        List<JsonNode> lines = Files.readAllLines(out.resolve("metrics.jsonl")).stream().map(l -> {
            try {
                return new ObjectMapper().readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        List<JsonNode> steps = lines.stream().filter(l -> l.get("type").asText().equals("step")).toList();
        List<JsonNode> evals = lines.stream().filter(l -> l.get("type").asText().equals("eval")).toList();
        assertEquals(3, evals.size());
        double first = steps.subList(0, 3).stream().mapToDouble(l -> l.get("loss").asDouble()).average().orElseThrow();
        double last = steps.subList(steps.size() - 3, steps.size()).stream().mapToDouble(l -> l.get("loss").asDouble())
                .average().orElseThrow();
        assertTrue(last < first, "QA loss did not fall: " + first + " -> " + last);
        JsonNode summary = new ObjectMapper().readTree(out.resolve("evaluation.json").toFile());
        double f1 = summary.get("f1").asDouble();
        assertTrue(f1 >= summary.get("exact_match").asDouble() && f1 <= 100, summary.toString());

        assertEquals(0, TrainCli.commandLine().execute("eval", "--model", out.toString(), "--data",
                dir.resolve("train.json").toString(), "--max-length", "64", "--stride", "16", "--report",
                dir.resolve("eval.json").toString()));
        JsonNode eval = new ObjectMapper().readTree(dir.resolve("eval.json").toFile());
        assertEquals(48, eval.get("questions").asInt());
        assertTrue(eval.get("f1").asDouble() >= eval.get("exact_match").asDouble());
    }
}
