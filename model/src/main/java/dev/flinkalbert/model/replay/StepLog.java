package dev.flinkalbert.model.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.model.training.StepMetrics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Writes each update of a training loop as a JSON line in the form of a recorded Hugging Face run's
 * {@code steps.jsonl}: {@code step} (1-based), {@code lr} (the rate the update used), {@code grad_norm} (global L2
 * norm before clipping), {@code loss} and one {@code <part>_loss} per loss part ({@code mlm_loss}, {@code sop_loss}).
 * A step whose gradient norm was not finite (skipped by the loop: no update) has {@code grad_norm} null and
 * {@code skipped} true.
 *
 * <pre>{@code
 * try (StepLog log = new StepLog(outDir.resolve("steps.jsonl"))) {
 *     TrainingLoop.<PretrainingBatch>builder()...listener(log).build().run(batches);
 * }
 * }</pre>
 */
public final class StepLog implements Consumer<StepMetrics>, AutoCloseable {

    public static final String FILE = "steps.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;
    private int skippedSteps;

    /** Creates (or replaces) {@code file}. */
    public StepLog(Path file) throws IOException {
        this.file = file;
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    @Override
    public void accept(StepMetrics m) {
        ObjectNode line = JSON.createObjectNode().put("step", m.step()).put("lr", m.learningRate());
        if (Double.isFinite(m.gradientNorm())) {
            line.put("grad_norm", m.gradientNorm());
        } else {
            line.putNull("grad_norm").put("skipped", true);
            skippedSteps++;
        }
        line.put("loss", m.loss());
        m.parts().forEach((part, value) -> line.put(part + "_loss", value));
        try {
            out.write(JSON.writeValueAsString(line));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Steps written so far whose gradients were not finite. */
    public int skippedSteps() {
        return skippedSteps;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
