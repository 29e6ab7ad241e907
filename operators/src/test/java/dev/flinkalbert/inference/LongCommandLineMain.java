package dev.flinkalbert.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Run in a child JVM by {@link SharedSessionsTest}: creates the ONNX Runtime environment, opens the model file given
 * as the argument and runs one row, printing the logits. ONNX Runtime 1.29.0 crashed the JVM in
 * {@code OrtEnvironment.getEnvironment()} when the command line was longer than about 4 KB. (The tokenizer is left
 * out: building it costs seconds and has nothing to do with the crash.)
 */
public final class LongCommandLineMain {

    static final String MARKER = "logits:";

    private LongCommandLineMain() {}

    public static void main(String[] args) throws Exception {
        OrtEnvironment env = SharedSessions.environment();
        long[][] row = {{2, 10975, 3}};
        try (SharedSessions.Lease lease = SharedSessions.acquire(Path.of(args[0]), SessionSettings.defaults());
                OnnxTensor ids = OnnxTensor.createTensor(env, row);
                OnnxTensor mask = OnnxTensor.createTensor(env, new long[][] {{1, 1, 1}});
                OnnxTensor types = OnnxTensor.createTensor(env, new long[][] {{0, 0, 0}});
                OrtSession.Result result = lease.session().run(
                        Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
            float[][] logits = (float[][]) result.get("logits").orElseThrow().getValue();
            System.out.println(MARKER + Arrays.toString(logits[0]));
        }
    }
}
