package dev.flinkalbert.model.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.model.training.StepMetrics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reports a training run: a one-line progress bar (step, loss, tokens/s, ETA) on a terminal stream, every update
 * and evaluation as a JSON line in {@code metrics.jsonl}, and at the end the curves as {@code curves.png}.
 *
 * <pre>{@code
 * try (TrainingReport report = new TrainingReport(outputDir, System.err)) {
 *     loop.builder()...listener(report)...;
 *     report.evaluation(step, Map.of("accuracy", 0.84, "macro_f1", 0.83));
 * }
 * }</pre>
 */
public final class TrainingReport implements Consumer<StepMetrics>, AutoCloseable {

    public static final String METRICS_FILE = "metrics.jsonl";
    public static final String CURVES_FILE = "curves.png";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BAR_WIDTH = 24;

    private final Path directory;
    private final PrintStream terminal;
    private final BufferedWriter metrics;
    private final long started = System.nanoTime();
    private final Map<String, List<double[]>> stepSeries = new LinkedHashMap<>();
    private final Map<String, List<double[]>> evalSeries = new LinkedHashMap<>();
    private long tokens;
    private double smoothedLoss = Double.NaN;

    public TrainingReport(Path directory, PrintStream terminal) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.terminal = terminal;
        this.metrics = Files.newBufferedWriter(directory.resolve(METRICS_FILE), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Override
    public void accept(StepMetrics m) {
        tokens += m.tokens();
        double seconds = (System.nanoTime() - started) / 1e9;
        smoothedLoss = Double.isNaN(smoothedLoss) ? m.loss() : 0.95 * smoothedLoss + 0.05 * m.loss();
        ObjectNode line = JSON.createObjectNode().put("type", "step").put("step", m.step()).put("loss", m.loss());
        m.parts().forEach(line::put);
        line.put("learning_rate", m.learningRate()).put("grad_norm", m.gradientNorm()).put("tokens", m.tokens())
                .put("tokens_per_second", m.tokensPerSecond()).put("elapsed_seconds", seconds);
        write(line);
        stepSeries.computeIfAbsent("loss", k -> new ArrayList<>()).add(new double[] {m.step(), m.loss()});
        m.parts().forEach((k, v) -> stepSeries.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[] {m.step(), v}));
        if (terminal != null) {
            double rate = tokens / Math.max(seconds, 1e-9);
            double eta = seconds / m.step() * (m.totalSteps() - m.step());
            int filled = (int) (BAR_WIDTH * m.step() / Math.max(1, m.totalSteps()));
            terminal.printf("\r[%s%s] step %d/%d  loss %.4f  %,.0f tok/s  ETA %s ", "=".repeat(filled),
                    " ".repeat(BAR_WIDTH - filled), m.step(), m.totalSteps(), smoothedLoss, rate, clock(eta));
            if (m.step() == m.totalSteps()) {
                terminal.println();
            }
            terminal.flush();
        }
    }

    /** Records an evaluation (e.g. accuracy, macro_f1) at a step; drawn as its own panel. */
    public void evaluation(long step, Map<String, Double> values) {
        ObjectNode line = JSON.createObjectNode().put("type", "eval").put("step", step);
        values.forEach(line::put);
        write(line);
        values.forEach((k, v) -> evalSeries.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[] {step, v}));
        if (terminal != null) {
            StringBuilder sb = new StringBuilder("\nevaluation at step " + step + ":");
            values.forEach((k, v) -> sb.append(String.format("  %s %.4f", k, v)));
            terminal.println(sb);
        }
    }

    private void write(ObjectNode line) {
        try {
            metrics.write(JSON.writeValueAsString(line));
            metrics.newLine();
            metrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + directory.resolve(METRICS_FILE), e);
        }
    }

    private static String clock(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "--:--:--";
        }
        long s = Math.round(seconds);
        return String.format("%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    /** Total tokens seen. */
    public long tokens() {
        return tokens;
    }

    @Override
    public void close() throws IOException {
        metrics.close();
        Map<String, List<TrainingCurves.Series>> panels = new LinkedHashMap<>();
        List<TrainingCurves.Series> losses = new ArrayList<>();
        stepSeries.forEach((k, v) -> losses.add(new TrainingCurves.Series(k, v)));
        panels.put("training loss", losses);
        evalSeries.forEach((k, v) -> panels.put("validation " + k, List.of(new TrainingCurves.Series(k, v))));
        TrainingCurves.write(directory.resolve(CURVES_FILE), panels);
    }
}
