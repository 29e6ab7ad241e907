package dev.flinkalbert.inference;

import java.nio.file.Path;
import java.util.List;

/**
 * Run in a child JVM by {@link SharedSessionsTest}: opens the model directory given as the argument (creating the
 * ONNX Runtime environment), runs one row and prints the logits. ONNX Runtime 1.29.0 crashed the JVM in
 * {@code OrtEnvironment.getEnvironment()} when the command line was longer than about 4 KB.
 */
public final class LongCommandLineMain {

    static final String MARKER = "logits:";

    private LongCommandLineMain() {}

    public static void main(String[] args) throws Exception {
        try (AlbertModel model = AlbertModel.builder().modelDirectory(Path.of(args[0])).build();
                AlbertEncoder encoder = model.encoder(1, 64)) {
            float[] logits = encoder.encode(List.of(new EncodedRow(new int[] {2, 10975, 3}, null)),
                    (out, row) -> out.vector("logits", row)).get(0);
            System.out.println(MARKER + java.util.Arrays.toString(logits));
        }
    }
}
