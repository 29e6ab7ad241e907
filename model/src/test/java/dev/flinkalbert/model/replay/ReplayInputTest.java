package dev.flinkalbert.model.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.model.cli.TrainCli;
import dev.flinkalbert.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input that {@code ./albert train replay} cannot use is refused before training with one line naming the problem
 * and exit code 2 (a usage error), never a stack trace.
 */
class ReplayInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    @Test
    void sequenceLongerThanTheConfigAllowsIsRefused() throws Exception {
        // the fixture's config has max_position_embeddings 64
        String err = refused("pretrain", batch -> {
            for (String field : List.of("input_ids", "attention_mask", "token_type_ids", "labels")) {
                for (var row : batch.withArray(field)) {
                    while (row.size() < 65) {
                        ((ArrayNode) row).add(field.equals("labels") ? -100 : 0);
                    }
                }
            }
        });
        assertTrue(err.contains("line 1: sequence length 65 exceeds the config's max_position_embeddings 64"), err);
    }

    @Test
    void fieldsOfDifferentShapesAreRefused() throws Exception {
        String err = refused("pretrain", batch -> ((ArrayNode) batch.withArray("attention_mask").get(2)).remove(0));
        assertTrue(err.contains("line 1: attention_mask row 2 must have 24 values like input_ids row 0, got 23"), err);
        String labels = refused("finetune", batch -> batch.withArray("labels").add(0));
        assertTrue(labels.contains("labels must hold one value per row (4 rows), got 5 values"), labels);
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRefused() throws Exception {
        String err = refused("finetune", batch -> ((ArrayNode) batch.withArray("input_ids").get(1)).set(3, 1000));
        assertTrue(err.contains("input_ids[1][3] = 1000 is outside the config's vocab_size 1000"), err);
    }

    @Test
    void labelsOutOfRangeAreRefused() throws Exception {
        String mlm = refused("pretrain", batch -> ((ArrayNode) batch.withArray("labels").get(0)).set(0, 1000));
        assertTrue(mlm.contains("labels[0][0] = 1000 is neither -100 nor a vocabulary id (vocab_size 1000)"), mlm);
        String sop = refused("pretrain", batch -> batch.withArray("sentence_order_label").set(1, 2));
        assertTrue(sop.contains("sentence_order_label[1] = 2: must be 0 (in order) or 1 (swapped)"), sop);
        // the fine-tuning config has 3 labels
        String cls = refused("finetune", batch -> batch.withArray("labels").set(0, 3));
        assertTrue(cls.contains("labels[0] = 3 is not a class of the config (3 labels: 0..2)"), cls);
    }

    @Test
    void anInitDirectoryWithoutWeightsIsRefused() throws Exception {
        Path fixture = Fixtures.require("hf-train-steps/pretrain");
        Path init = Files.createDirectories(dir.resolve("no-weights"));
        Files.copy(fixture.resolve("config.json"), init.resolve("config.json"));
        List<String> args = withInit(HfTrainingReplayTest.options(fixture), init);
        String err = run(2, args);
        assertTrue(err.contains("--init " + init + " has no model.safetensors"), err);
    }

    /** The fixture's run with its first batch changed by {@code change}: exit 2 and one line on stderr. */
    private String refused(String run, Consumer<ObjectNode> change) throws Exception {
        Path fixture = Fixtures.require("hf-train-steps/" + run);
        List<String> lines = new ArrayList<>(Files.readAllLines(fixture.resolve("batches.jsonl")));
        ObjectNode first = (ObjectNode) JSON.readTree(lines.get(0));
        change.accept(first);
        lines.set(0, JSON.writeValueAsString(first));
        Path batches = Files.createTempFile(dir, "batches", ".jsonl");
        Files.write(batches, lines);
        List<String> args = new ArrayList<>(HfTrainingReplayTest.options(fixture));
        args.set(args.indexOf("--batches") + 1, batches.toString());
        String err = run(2, args);
        assertTrue(err.startsWith("albert train replay: --batches " + batches + " line 1: "), err);
        return err;
    }

    private String run(int expectedCode, List<String> options) {
        List<String> args = new ArrayList<>(List.of("replay"));
        args.addAll(options);
        args.addAll(List.of("--out", dir.resolve("out").toString()));
        StringWriter err = new StringWriter();
        int code = TrainCli.commandLine().setErr(new PrintWriter(err)).execute(args.toArray(String[]::new));
        String text = err.toString().strip();
        assertEquals(expectedCode, code, text);
        assertEquals(1, text.lines().count(), "one line, no stack trace: " + text);
        assertFalse(text.contains("Exception"), text);
        assertFalse(Files.exists(dir.resolve("out/model.safetensors")), "nothing trained");
        return text;
    }

    private static List<String> withInit(List<String> options, Path init) {
        List<String> args = new ArrayList<>(options);
        args.set(args.indexOf("--init") + 1, init.toString());
        return args;
    }
}
