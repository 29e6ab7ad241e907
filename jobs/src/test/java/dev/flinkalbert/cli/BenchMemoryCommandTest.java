package dev.flinkalbert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./albert bench memory} end to end on the tiny classifier with a short warm-up, two repeats and a soak of a
 * few seconds: four real child JVMs, the closing lines and JSON figures that agree with them. How much memory anything takes is for
 * the benchmark to say, not this test; that 1 and 4 subtasks each open one ONNX Runtime session is the product's
 * promise (sessions shared per process), so it is checked.
 */
class BenchMemoryCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void benchMemoryMeasuresOneAndFourSubtasksOnOneSessionAndEndsWithItsRatios(@TempDir Path dir) throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");
        Path json = dir.resolve("memory.json");
        String out = run("bench", "memory", "--model-dir", model.toString(), "--texts", "64", "--warm-up", "1s",
                "--warm-up-records", "64", "--samples", "2", "--sample-interval", "200ms", "--heap", "256m",
                "--repeats", "2", "--soak", "2s", "--soak-interval", "1s", "--json-out", json.toString());

        JsonNode figures = JSON.readTree(json.toFile());
        assertEquals("memory", figures.get("benchmark").asText());
        long modelBytes = Files.size(model.resolve("model.onnx"));
        assertEquals(modelBytes, figures.get("model_onnx_bytes").asLong());
        assertEquals(List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"),
                JSON.convertValue(figures.get("jvm_options"), List.class).subList(0, 3));
        JsonNode runs = figures.get("runs");
        assertEquals(4, runs.size());
        int[] parallelism = {1, 4, 1, 4};
        for (int i = 0; i < 4; i++) {
            JsonNode run = runs.get(i);
            assertEquals(parallelism[i], run.get("parallelism").asInt(), run.toString());
            assertEquals(i / 2 + 1, run.get("repeat").asInt(), run.toString());
            assertEquals(1, run.get("sessions_opened").asInt(), "one session per process: " + run);
            assertEquals(parallelism[i], run.get("session_users").asInt(), "every subtask holds it: " + run);
            assertEquals(2, run.get("rss_samples_mib").size(), run.toString());
            assertTrue(run.get("rss_mib").asDouble() > 0, run.toString());
            assertTrue(run.get("heap_used_after_gc_mib").asDouble() > 0, run.toString());
            assertTrue(run.get("warm_up_results").asLong() >= 64, run.toString());
            assertTrue(Files.isRegularFile(Path.of(run.get("log").asText())), run.toString());
        }
        // memory/model is the median growth of the resident set (of two repeats: their mean) over the file's size,
        // recomputed here from the four runs
        double growthBytes = ((runs.get(1).get("rss_mib").asDouble() - runs.get(0).get("rss_mib").asDouble())
                + (runs.get(3).get("rss_mib").asDouble() - runs.get(2).get("rss_mib").asDouble())) / 2 * 1024 * 1024;
        assertEquals(format("%.2f", growthBytes / modelBytes), ratio(out, "memory/model", "(-?\\d+\\.\\d\\d)"));

        // a soak of 2 s sampled every second: at 0, 1 and 2 s; its growth is the least-squares slope per minute
        JsonNode soak = figures.get("soak");
        JsonNode samples = soak.get("samples");
        assertEquals(3, samples.size(), soak.toString());
        double[] t = new double[3];
        double[] rss = new double[3];
        for (int i = 0; i < 3; i++) {
            t[i] = samples.get(i).get("t_s").asDouble() / 60;
            rss[i] = samples.get(i).get("rss_mib").asDouble();
        }
        double meanT = (t[0] + t[1] + t[2]) / 3;
        double meanRss = (rss[0] + rss[1] + rss[2]) / 3;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < 3; i++) {
            sxy += (t[i] - meanT) * (rss[i] - meanRss);
            sxx += (t[i] - meanT) * (t[i] - meanT);
        }
        assertEquals(format("%.1f", sxy / sxx), ratio(out, "soak growth", "(-?\\d+\\.\\d) MiB/min"));

        List<String> lines = out.strip().lines().toList();
        assertTrue(lines.get(lines.size() - 3).startsWith("memory/model: "), out);
        assertTrue(lines.get(lines.size() - 2).startsWith("soak growth: "), out);
    }

    @Test
    void misuseIsAUsageError() {
        String nowhere = "/nonexistent"; // the options are checked first
        assertUsageError("--subtasks must be >= 2", "--model-dir", nowhere, "--subtasks", "1");
        assertUsageError("--heap must be a JVM heap size", "--model-dir", nowhere, "--heap", "lots");
        assertUsageError("--heap must be a JVM heap size of 128m or more", "--model-dir", nowhere, "--heap", "64m");
        assertUsageError("--texts, --samples and --repeats must be >= 1", "--model-dir", nowhere, "--repeats", "0");
        assertUsageError("--soak (1s) must be at least --soak-interval (10s)", "--model-dir", nowhere, "--soak", "1s");
        assertUsageError("--model-dir " + nowhere, "--model-dir", nowhere);
    }

    @Test
    void aQuestionAnsweringModelIsAUsageError() {
        assertUsageError("is a question-answering model", "--model-dir",
                Fixtures.require("hf-albert-tiny/qa").toString());
    }

    /** The lines of a real {@code /proc/<pid>/status}, trimmed; the kernel's kB are KiB. */
    @Test
    void theResidentSetAndItsPeakAreReadFromProcStatus() {
        ProcessMemory memory = ProcessMemory.parse(List.of("Name:\tjava", "VmPeak:\t 9013492 kB",
                "VmHWM:\t  1557604 kB", "VmRSS:\t  1555752 kB", "RssAnon:\t 1201000 kB", "Threads:\t52"));
        assertEquals(1555752, memory.residentKib());
        assertEquals(1557604, memory.peakResidentKib());
        assertEquals(1519.2890625, memory.residentMib());
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> ProcessMemory.parse(List.of("Name:\tjava", "VmRSS:\t 1 kB")));
        assertTrue(missing.getMessage().contains("no VmRSS or VmHWM"), missing.getMessage());
    }

    /** {@code bench memory OPTIONS} fails as a usage error (exit 2) saying {@code message}. */
    private static void assertUsageError(String message, String... options) {
        StringWriter err = new StringWriter();
        String[] args = new String[options.length + 2];
        args[0] = "bench";
        args[1] = "memory";
        System.arraycopy(options, 0, args, 2, options.length);
        int code = AlbertCli.commandLine().setErr(new PrintWriter(err)).execute(args);
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains(message), err.toString());
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = AlbertCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertEquals(0, cli.execute(args), err.toString() + out);
        return out.toString();
    }

    /** The value of the line {@code name: VALUE}, {@code value} a regex with one group. */
    private static String ratio(String out, String name, String value) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ": " + value + "$").matcher(out);
        assertTrue(m.find(), "no line '" + name + ": …' in\n" + out);
        return m.group(1);
    }

    private static String format(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }
}
