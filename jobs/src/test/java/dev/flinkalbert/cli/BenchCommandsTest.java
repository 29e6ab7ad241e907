package dev.flinkalbert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./albert bench inference|pipeline|sql} end to end on the tiny classifier with few records: the closing ratio
 * lines, and JSON figures that agree with them. How fast anything is, is for the benchmarks to say, not this test.
 */
class BenchCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void benchInferenceEndsWithItsRatiosAndWritesThemAsJson(@TempDir Path dir) throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");
        Path json = dir.resolve("inference.json");
        String out = run("bench", "inference", "--model-dir", model.toString(), "--records", "48", "--batch-sizes",
                "1,8", "--repeats", "1", "--flush-batches", "2", "--shared-batcher", "--parallelism", "2",
                "--json-out", json.toString());

        JsonNode figures = JSON.readTree(json.toFile());
        assertEquals("inference", figures.get("benchmark").asText());
        assertEquals(48, figures.get("records").asInt());
        assertEquals(2, figures.get("intra_op_threads").asInt());
        assertEquals(2, figures.get("batch_sizes").size());
        for (JsonNode size : figures.get("batch_sizes")) {
            assertTrue(size.get("raw_records_per_s").asDouble() > 0, size.toString());
            assertTrue(size.get("operator_records_per_s").asDouble() > 0, size.toString());
            assertTrue(size.get("pipelined_records_per_s").asDouble() > 0, size.toString());
            assertTrue(size.get("shared_records_per_s").asDouble() > 0, size.toString());
            assertTrue(size.get("operator_x2_records_per_s").asDouble() > 0, size.toString());
            assertTrue(size.get("pipelined_x2_records_per_s").asDouble() > 0, size.toString());
            assertTrue(size.get("raw-sorted_records_per_s").asDouble() > 0, size.toString());
        }
        assertEquals(2, figures.get("parallelism").asInt());
        assertTrue(figures.get("naive_records_per_s").asDouble() > 0);
        assertEquals(ratio(out, "operator/raw"), format(figures.get("operator_over_raw").asDouble()));
        assertEquals(ratio(out, "pipelined/raw"), format(figures.get("pipelined_over_raw").asDouble()));
        assertEquals(ratio(out, "shared/operator"), format(figures.get("shared_over_operator").asDouble()));
        assertEquals(ratio(out, "scaling"), format(figures.get("scaling").asDouble()));
        assertEquals(ratio(out, "pipelined scaling"), format(figures.get("pipelined_scaling").asDouble()));
        assertEquals(ratio(out, "raw-sorted/raw"), format(figures.get("raw-sorted_over_raw").asDouble()));
        assertEquals(ratio(out, "operator/naive"), format(figures.get("operator_over_naive").asDouble()));
        List<String> lines = out.strip().lines().toList();
        assertTrue(lines.get(lines.size() - 2).startsWith("operator/naive: "), out);
    }

    /** A token-classification model (per-token logits) is benchmarked like the others. */
    @Test
    void benchInferenceAcceptsATokenClassificationModel(@TempDir Path dir) throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/tokcls");
        Path json = dir.resolve("inference.json");
        run("bench", "inference", "--model-dir", model.toString(), "--records", "32", "--batch-sizes", "8",
                "--repeats", "1", "--json-out", json.toString());
        JsonNode figures = JSON.readTree(json.toFile());
        assertEquals("TOKEN_CLASSIFICATION", figures.get("task").asText());
        assertEquals(32, figures.get("records").asInt());
        for (JsonNode size : figures.get("batch_sizes")) {
            assertTrue(size.get("raw_records_per_s").asDouble() > 0, size.toString());
            assertTrue(size.get("operator_records_per_s").asDouble() > 0, size.toString());
        }
    }

    @Test
    void benchPipelineReportsLatencyAndEndsWithItsRatio(@TempDir Path dir) throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");
        Path json = dir.resolve("pipeline.json");
        String out = run("bench", "pipeline", "--model-dir", model.toString(), "--records", "32", "--repeats", "1",
                "--checkpoint-interval-ms", "300", "--json-out", json.toString());

        JsonNode figures = JSON.readTree(json.toFile());
        assertEquals("pipeline", figures.get("benchmark").asText());
        assertTrue(figures.get("pipeline_records_per_s").asDouble() > 0);
        long p50 = figures.get("latency_committed_p50_ms").asLong();
        long p99 = figures.get("latency_committed_p99_ms").asLong();
        assertTrue(p50 > 0 && p99 >= p50, figures.toString());
        assertTrue(figures.get("latency_in_job_p99_ms").asLong() <= p99, "a result is committed after it leaves the job");
        assertEquals(ratio(out, "pipeline/raw"), format(figures.get("pipeline_over_raw").asDouble()));
    }

    @Test
    void benchSqlEndsWithItsRatioAndWritesItAsJson(@TempDir Path dir) throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");
        Path json = dir.resolve("sql.json");
        String out = run("bench", "sql", "--model-dir", model.toString(), "--records", "40", "--batch-size", "8",
                "--repeats", "1", "--sync", "--json-out", json.toString());

        JsonNode figures = JSON.readTree(json.toFile());
        assertEquals("sql", figures.get("benchmark").asText());
        assertEquals(40, figures.get("records").asInt());
        assertEquals(16, figures.get("max_concurrent_operations").asInt(), "2 batches of 8 in flight by default");
        assertTrue(figures.get("sql_async_records_per_s").asDouble() > 0, figures.toString());
        assertTrue(figures.get("operator_records_per_s").asDouble() > 0, figures.toString());
        assertTrue(figures.get("sql_sync_records_per_s").asDouble() > 0, figures.toString());
        assertEquals(ratio(out, "sql-sync/operator"), format(figures.get("sql_sync_over_operator").asDouble()));
        assertEquals(ratio(out, "sql/operator"), format(figures.get("sql_over_operator").asDouble()));
        List<String> lines = out.strip().lines().toList();
        assertTrue(lines.get(lines.size() - 2).startsWith("sql/operator: "), out);
    }

    @Test
    void benchSqlMisuseIsAUsageError() {
        StringWriter err = new StringWriter();
        int code = AlbertCli.commandLine().setErr(new PrintWriter(err)).execute("bench", "sql", "--model-dir",
                "/nonexistent", "--batch-size", "0");
        assertEquals(2, code);
        assertTrue(err.toString().contains("must be >= 1"), err.toString());
        assertTrue(!err.toString().contains("\tat "), "no stack trace: " + err);
    }

    @Test
    void misuseIsAUsageError() {
        StringWriter err = new StringWriter();
        int code = AlbertCli.commandLine().setErr(new PrintWriter(err)).execute("bench", "inference", "--model-dir",
                "/nonexistent", "--records", "0");
        assertEquals(2, code);
        assertTrue(err.toString().contains("must be >= 1"), err.toString());
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = AlbertCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertEquals(0, cli.execute(args), err.toString());
        return out.toString();
    }

    /** The N.NN of the line {@code name: N.NN}. */
    private static String ratio(String out, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ": (\\d+\\.\\d\\d)$").matcher(out);
        assertTrue(m.find(), "no line '" + name + ": N.NN' in\n" + out);
        return m.group(1);
    }

    private static String format(double ratio) {
        return String.format(Locale.ROOT, "%.2f", ratio);
    }
}
