package dev.flinkalbert.model.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.model.checkpoint.SafeTensors;
import dev.flinkalbert.model.cli.TrainCli;
import dev.flinkalbert.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./albert train replay} against the two runs that {@code hf-train-steps} recorded with transformers and
 * torch.optim.AdamW: the same initial weights, batches and hyper-parameters, trained by this module's
 * {@code TrainingLoop}, must give the recorded learning rates exactly, every loss within 1e-4, every gradient norm
 * within 1e-3 relative and every final weight within 1e-4 of the recording.
 */
class HfTrainingReplayTest {

    /** Tied in HF's state dict; this module holds each once, under the name transformers' parameters() gives. */
    static final Map<String, String> TIED = Map.of(
            "predictions.decoder.weight", "albert.embeddings.word_embeddings.weight",
            "predictions.decoder.bias", "predictions.bias");

    /**
     * The weights must move by far more than the tolerance, or comparing them proves nothing: 10 pretraining steps
     * move some weight by 5.0e-3, 6 fine-tuning steps by 1.4e-3 (from the fixture's own files).
     */
    private static final double MOVED_AT_LEAST = 1e-3;

    /**
     * Decaying a weight that transformers does not decay, or the reverse, shifts it by the sum of lr * wd * w: 5.0e-5
     * for full_layer_layer_norm.weight over the 10 pretraining steps (measured with --decay-exclusion
     * google-albert), under the 1e-4. The replay's float32 differences are at most 1.4e-6 (measured), so the
     * final weights are also held to 1e-5, which such a mistake cannot meet.
     */
    private static final double DECAY_GROUP_BOUND = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"pretrain", "finetune"})
    void replayFollowsTransformersStepForStep(String run, @TempDir Path out) throws Exception {
        Path fixture = Fixtures.require("hf-train-steps/" + run);
        assertEquals(0, replay(fixture, out, "fp32"), "replay exit code");

        List<JsonNode> expected = Fixtures.jsonLines(fixture.resolve("steps.jsonl"));
        List<JsonNode> actual = Fixtures.jsonLines(out.resolve(StepLog.FILE));
        assertEquals(expected.size(), actual.size(), "steps");
        List<String> parts = run.equals("pretrain") ? List.of("loss", "mlm_loss", "sop_loss") : List.of("loss");
        for (int i = 0; i < expected.size(); i++) {
            JsonNode e = expected.get(i);
            JsonNode a = actual.get(i);
            String step = run + " step " + e.get("step").asInt();
            assertEquals(e.get("step").asLong(), a.get("step").asLong(), step);
            assertEquals(e.get("lr").asDouble(), a.get("lr").asDouble(), step + ": lr");
            for (String part : parts) {
                assertEquals(e.get(part).asDouble(), a.get(part).asDouble(), 1e-4, step + ": " + part);
            }
            double norm = e.get("grad_norm").asDouble();
            assertEquals(norm, a.get("grad_norm").asDouble(), 1e-3 * norm, step + ": grad_norm");
        }
        assertEquals(0.0, expected.get(0).get("lr").asDouble(), "the recording's first step uses lr 0");

        Map<String, SafeTensors.Tensor> recorded = SafeTensors.read(fixture.resolve("final.safetensors"));
        Map<String, SafeTensors.Tensor> initial = SafeTensors.read(fixture.resolve("model.safetensors"));
        Map<String, SafeTensors.Tensor> trained = SafeTensors.read(out.resolve("model.safetensors"));
        double moved = 0;
        for (Map.Entry<String, SafeTensors.Tensor> e : recorded.entrySet()) {
            SafeTensors.Tensor ours = trained.get(TIED.getOrDefault(e.getKey(), e.getKey()));
            assertNotNull(ours, "replay wrote no " + e.getKey());
            double diff = maxAbsDiff(e.getValue().values(), ours.values());
            assertTrue(diff <= 1e-4, run + ": " + e.getKey() + " differs from the recording by " + diff);
            assertTrue(diff <= DECAY_GROUP_BOUND, run + ": " + e.getKey() + " differs from the recording by " + diff
                    + ": within 1e-4, but a wrong decay group moves a weight by lr * wd * w, about 5e-5 here");
            moved = Math.max(moved, maxAbsDiff(e.getValue().values(), initial.get(e.getKey()).values()));
        }
        assertTrue(moved >= MOVED_AT_LEAST, run + ": the recording moved the weights by only " + moved);
    }

    /**
     * fp16 (float16 passes, float32 master weights, loss scale 1024) follows the float32 recording only within
     * float16's accuracy. Measured on the CPU: losses within 4.7e-4, gradient norms within 8.7e-4 relative, final
     * weights within 8.0e-4; the documented tolerance (model/README.md) is 2e-3, 5e-3 relative and 3e-3, with no step
     * skipped. It must also differ from float32's result by more than float32's own 1.4e-6, or fp16 never ran.
     */
    @ParameterizedTest
    @ValueSource(strings = {"pretrain", "finetune"})
    void fp16ReplayStaysWithinTheDocumentedTolerance(String run, @TempDir Path out) throws Exception {
        Path fixture = Fixtures.require("hf-train-steps/" + run);
        assertEquals(0, replay(fixture, out, "fp16"), "replay exit code");
        List<JsonNode> expected = Fixtures.jsonLines(fixture.resolve("steps.jsonl"));
        List<JsonNode> actual = Fixtures.jsonLines(out.resolve(StepLog.FILE));
        assertEquals(expected.size(), actual.size(), "steps");
        for (int i = 0; i < expected.size(); i++) {
            JsonNode e = expected.get(i);
            JsonNode a = actual.get(i);
            String step = run + " fp16 step " + e.get("step").asInt();
            assertFalse(a.path("skipped").asBoolean(), step + " overflowed and was skipped");
            assertEquals(e.get("lr").asDouble(), a.get("lr").asDouble(), step + ": lr");
            assertEquals(e.get("loss").asDouble(), a.get("loss").asDouble(), 2e-3, step + ": loss");
            double norm = e.get("grad_norm").asDouble();
            assertEquals(norm, a.get("grad_norm").asDouble(), 5e-3 * norm, step + ": grad_norm");
        }
        Map<String, SafeTensors.Tensor> recorded = SafeTensors.read(fixture.resolve("final.safetensors"));
        Map<String, SafeTensors.Tensor> trained = SafeTensors.read(out.resolve("model.safetensors"));
        double worst = 0;
        for (Map.Entry<String, SafeTensors.Tensor> e : recorded.entrySet()) {
            double diff = maxAbsDiff(e.getValue().values(), trained.get(TIED.getOrDefault(e.getKey(), e.getKey())).values());
            assertTrue(diff <= 3e-3, run + " fp16: " + e.getKey() + " differs from the recording by " + diff);
            worst = Math.max(worst, diff);
        }
        assertTrue(worst > 1e-5, run + " fp16: weights equal float32's (" + worst + "): no float16 arithmetic");
    }

    /** The fixture's run.json as replay options. */
    static List<String> options(Path fixture) throws Exception {
        JsonNode run = new ObjectMapper().readTree(fixture.resolve("run.json").toFile());
        assertEquals(List.of(0.9, 0.999), List.of(run.get("betas").get(0).asDouble(), run.get("betas").get(1).asDouble()),
                "replay uses AdamW's default betas");
        return List.of("--init", fixture.toString(), "--batches", fixture.resolve("batches.jsonl").toString(),
                "--steps", run.get("steps").asText(), "--learning-rate", run.get("learning_rate").asText(),
                "--warmup-steps", run.get("warmup_steps").asText(), "--weight-decay", run.get("weight_decay").asText(),
                "--adam-epsilon", run.get("eps").asText(), "--max-grad-norm", run.get("max_grad_norm").asText());
    }

    private static int replay(Path fixture, Path out, String precision) throws Exception {
        List<String> args = new ArrayList<>(List.of("replay"));
        args.addAll(options(fixture));
        args.addAll(List.of("--precision", precision, "--out", out.toString()));
        StringWriter err = new StringWriter();
        int code = TrainCli.commandLine().setErr(new PrintWriter(err)).execute(args.toArray(String[]::new));
        assertEquals("", err.toString(), "picocli's error stream");
        return code;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "sizes");
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs((double) a[i] - b[i]));
        }
        return worst;
    }
}
