package dev.flinkalbert.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.testing.Fixtures;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import dev.flinkalbert.tokenizer.Encoding;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line end to end on the tiny transformers checkpoint: fine-tune from a CSV, get a model directory
 * whose ONNX graph ONNX Runtime runs with the tokenizer's encoding, evaluate it, re-export it.
 */
class TrainCliTest {

    @Test
    void finetuneEvalAndExportMakeAModelDirectory(@TempDir Path dir) throws Exception {
        Path init = Fixtures.require("hf-albert-tiny/base");
        List<String> lines = new ArrayList<>(List.of("text,label"));
        String[] good = {"a great film", "wonderful food and service", "I loved it", "excellent value"};
        String[] bad = {"a dull film", "awful food, rude service", "I hated it", "a waste of money"};
        for (int i = 0; i < 6; i++) {
            lines.add("\"" + good[i % 4] + " " + i + "\",positive");
            lines.add("\"" + bad[i % 4] + " " + i + "\",negative");
        }
        Files.write(dir.resolve("train.csv"), lines);
        Path out = dir.resolve("model");
        assertEquals(0, run("finetune", "--init", init.toString(), "--train", dir.resolve("train.csv").toString(),
                "--test", dir.resolve("train.csv").toString(), "--validation-split", "0.25", "--epochs", "2",
                "--batch-size", "4", "--learning-rate", "1e-3", "--out", out.toString()));
        for (String f : List.of("model.onnx", "config.json", "spiece.model", "model.safetensors", "metrics.jsonl",
                "curves.png", "evaluation.json", "best/model.safetensors")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), "missing " + f);
        }
        assertEquals(AlbertTask.SEQUENCE_CLASSIFICATION, HfCheckpoint.architectureOf(out));
        assertEquals(List.of("negative", "positive"), HfCheckpoint.config(out).id2label());
        JsonNode evaluation = new ObjectMapper().readTree(out.resolve("evaluation.json").toFile());
        assertEquals(12, sum(evaluation.path("test").path("confusion")));
        long steps = Files.readAllLines(out.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"step\"")).count();
        assertTrue(steps >= 4, "metrics lines: " + steps);

        // the exported graph runs on the tokenizer's ids and gives one row of 2 logits
        AlbertTokenizer tokenizer = AlbertTokenizer.fromModelDirectory(out);
        Encoding e = tokenizer.encode("a great film", 128);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(out.resolve("model.onnx").toString(), new OrtSession.SessionOptions())) {
            long[] shape = {1, e.length()};
            long[] mask = new long[e.length()];
            java.util.Arrays.fill(mask, 1);
            try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(toLongs(e.ids())), shape);
                    OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                    OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(toLongs(e.typeIds())), shape);
                    OrtSession.Result r = session.run(Map.of("input_ids", ids, "attention_mask", m, "token_type_ids", t))) {
                float[][] logits = (float[][]) r.get("logits").orElseThrow().getValue();
                assertEquals(2, logits[0].length);
            }
        }

        assertEquals(0, run("eval", "--model", out.toString(), "--data", dir.resolve("train.csv").toString(),
                "--report", dir.resolve("eval.json").toString()));
        JsonNode eval = new ObjectMapper().readTree(dir.resolve("eval.json").toFile());
        assertEquals(evaluation.path("test").path("accuracy").asDouble(), eval.path("accuracy").asDouble());

        assertEquals(0, run("export", "--model", out.toString(), "--task", "base", "--out", dir.resolve("base").toString()));
        assertEquals(AlbertTask.BASE, HfCheckpoint.architectureOf(dir.resolve("base")));
    }

    @Test
    void finetunesFromRandomWeightsForTheAblation(@TempDir Path dir) throws Exception {
        Path tiny = Fixtures.require("hf-albert-tiny/base");
        Files.write(dir.resolve("train.jsonl"), List.of("{\"text\":\"good\",\"label\":\"pos\"}",
                "{\"text\":\"bad\",\"label\":\"neg\"}", "{\"text\":\"fine\",\"label\":\"pos\"}",
                "{\"text\":\"awful\",\"label\":\"neg\"}"));
        assertEquals(0, run("finetune", "--config", tiny.resolve("config.json").toString(), "--vocab",
                tiny.resolve("spiece.model").toString(), "--train", dir.resolve("train.jsonl").toString(),
                "--validation", dir.resolve("train.jsonl").toString(), "--epochs", "1", "--precision", "fp16",
                "--out", dir.resolve("scratch").toString()));
        assertEquals(List.of("neg", "pos"), HfCheckpoint.config(dir.resolve("scratch")).id2label());
        assertTrue(Files.isRegularFile(dir.resolve("scratch/model.onnx")));
    }

    @Test
    void misuseGivesOneClearError() {
        StringWriter err = new StringWriter();
        int code = TrainCli.commandLine().setErr(new PrintWriter(err)).execute("finetune", "--init", "/nonexistent",
                "--out", "/tmp/x");
        assertEquals(1, code);
        assertEquals("albert train finetune: give exactly one of --train FILE or --dataset NAME", err.toString().strip());

        StringWriter precision = new StringWriter();
        code = TrainCli.commandLine().setErr(new PrintWriter(precision)).execute("finetune", "--dataset",
                "uci-sentiment", "--init", "/nonexistent", "--precision", "bf16", "--out", "/tmp/x");
        assertEquals(2, code, "a usage error, found before anything is loaded");
        assertTrue(precision.toString().contains("bf16 is not available"), precision.toString());
    }

    private static int run(String... args) {
        return TrainCli.commandLine().execute(args);
    }

    private static long sum(JsonNode matrix) {
        long s = 0;
        for (JsonNode row : matrix) {
            for (JsonNode v : row) {
                s += v.asLong();
            }
        }
        return s;
    }

    private static long[] toLongs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
