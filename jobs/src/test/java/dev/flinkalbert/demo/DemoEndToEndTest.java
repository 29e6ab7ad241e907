package dev.flinkalbert.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * {@code ./albert demo} as a user runs it: through the launcher script at the repository root, with the committed
 * demo model, a real broker, MiniCluster and ONNX Runtime in the child process.
 *
 * <p>The launcher would rebuild stale modules with Maven; inside {@code mvn verify} that would re-enter the build,
 * so the test sets {@code ALBERT_SKIP_BUILD=1}: the launcher then runs what this build made ({@code target/classes}
 * and {@code target/launcher.classpath}, written right after compiling) with the same java command line as always.
 */
class DemoEndToEndTest {

    private static final int EVENTS = 200;
    private static final long TIMEOUT_SECONDS = 150;
    /** A result line: id, label, score, text, latency (see Demo#describe). */
    private static final Pattern RESULT = Pattern.compile("^(demo-\\d+)\\s+(\\S+)\\s+(0\\.\\d{3}|1\\.000)\\s.*\\[\\d+ ms]$");

    @Test
    void boundedDemoPrintsEveryResultOnceWithTheModelsLabelsAndExitsZero() throws Exception {
        Path model = Fixtures.repositoryRoot().resolve("model/demo-model");
        Set<String> labels = labels(model);   // negative, positive: from the committed model's config.json
        assertEquals(Set.of("negative", "positive"), labels);

        // No --model-dir: the default, committed demo model, exactly as the README tells users to run it.
        Process demo = launch("demo", "--events", Integer.toString(EVENTS), "--rate", "50", "--report-every-s", "2");
        CompletableFuture<List<String>> lines = readLines(demo, null);
        boolean exited = demo.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            demo.destroyForcibly();
        }
        List<String> output = lines.get(10, TimeUnit.SECONDS);
        String transcript = String.join("\n", output);
        assertTrue(exited, "the demo did not finish within " + TIMEOUT_SECONDS + " s:\n" + transcript);
        assertEquals(0, demo.exitValue(), transcript);

        Set<String> ids = new HashSet<>();
        List<String> seenLabels = new ArrayList<>();
        for (String line : output) {
            Matcher m = RESULT.matcher(line);
            if (m.matches()) {
                assertTrue(ids.add(m.group(1)), "result " + m.group(1) + " printed twice:\n" + transcript);
                seenLabels.add(m.group(2));
            }
        }
        assertEquals(EVENTS, ids.size(), transcript);
        for (int i = 0; i < EVENTS; i++) {
            assertTrue(ids.contains("demo-" + i), "no result for demo-" + i + ":\n" + transcript);
        }
        assertTrue(labels.containsAll(seenLabels), "labels outside " + labels + ": " + seenLabels);
        assertTrue(output.stream().anyMatch(l -> l.startsWith("summary: " + EVENTS + " results")
                && l.contains(" 0 dead letters, 0 duplicates")), transcript);
        assertTrue(output.stream().anyMatch(l -> l.startsWith("-- ") && l.contains("results/s")
                && l.contains("batch size") && l.contains("p99")), "no figures line:\n" + transcript);
        assertTrue(output.stream().anyMatch(l -> l.startsWith("flink:     web UI http://127.0.0.1:")), transcript);
    }

    /**
     * {@code --task embed} out of the box: the committed encoder of the demo model ({@code model/demo-encoder}), a
     * vector per event as wide as its config's hidden_size, every event once.
     */
    @Test
    void embedRunsOutOfTheBoxWithTheCommittedEncoder() throws Exception {
        Path encoder = Fixtures.repositoryRoot().resolve("model/demo-encoder").toRealPath();
        int hiddenSize = new ObjectMapper().readTree(encoder.resolve("config.json").toFile()).get("hidden_size").asInt();
        Pattern vector = Pattern.compile("^(demo-\\d+)\\s+(\\d+)-dim MEAN \\[-?\\d\\.\\d{4}, .*\\[\\d+ ms]$");
        int events = 40;

        Process demo = launch("demo", "--task", "embed", "--events", Integer.toString(events), "--rate", "50",
                "--report-every-s", "2");
        CompletableFuture<List<String>> lines = readLines(demo, null);
        boolean exited = demo.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            demo.destroyForcibly();
        }
        List<String> output = lines.get(10, TimeUnit.SECONDS);
        String transcript = String.join("\n", output);
        assertTrue(exited, "the demo did not finish within " + TIMEOUT_SECONDS + " s:\n" + transcript);
        assertEquals(0, demo.exitValue(), transcript);
        Set<String> ids = new HashSet<>();
        for (String line : output) {
            Matcher m = vector.matcher(line);
            if (m.matches()) {
                assertTrue(ids.add(m.group(1)), "result " + m.group(1) + " printed twice:\n" + transcript);
                assertEquals(hiddenSize, Integer.parseInt(m.group(2)), line);
            }
        }
        assertEquals(events, ids.size(), transcript);
        assertTrue(output.stream().anyMatch(l -> l.startsWith("model:     " + encoder)
                && l.contains("EMBEDDINGS")), transcript);
        assertTrue(output.stream().anyMatch(l -> l.startsWith("summary: " + events + " results")
                && l.contains(" 0 dead letters, 0 duplicates")), transcript);
    }

    /** {@code qa} and {@code ner} have no committed model: one short message naming the model and how to make it. */
    @Test
    void tasksWithoutACommittedModelSayWhichModelTheyNeed() throws Exception {
        for (String[] task : new String[][] {{"qa", "question-answering"}, {"ner", "token-classification"}}) {
            Process demo = launch("demo", "--task", task[0], "--events", "1");
            CompletableFuture<List<String>> lines = readLines(demo, null);
            assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "the demo did not stop");
            String transcript = String.join("\n", lines.get(10, TimeUnit.SECONDS));
            assertEquals(2, demo.exitValue(), transcript);
            assertTrue(transcript.startsWith("--task " + task[0] + " needs a " + task[1] + " model"), transcript);
            assertTrue(transcript.contains("optimum-cli export onnx --model MODEL --task " + task[1] + " /tmp/albert-"
                    + task[0]), transcript);
            assertTrue(!transcript.contains("\tat ") && !transcript.contains("Exception"), "no stack trace:\n"
                    + transcript);
        }
        // A model of another task: the same kind of message, not a stack trace from the running demo.
        Process demo = launch("demo", "--task", "embed", "--model-dir",
                Fixtures.require("hf-albert-tiny/tokcls").toString(), "--events", "1");
        CompletableFuture<List<String>> lines = readLines(demo, null);
        assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "the demo did not stop");
        String transcript = String.join("\n", lines.get(10, TimeUnit.SECONDS));
        assertEquals(2, demo.exitValue(), transcript);
        assertTrue(transcript.startsWith("--task embed needs a feature-extraction model (outputs last_hidden_state"
                + " and pooler_output), but ") && transcript.contains("is a token-classification model (--task ner)"),
                transcript);
        assertTrue(!transcript.contains("\tat "), "no stack trace:\n" + transcript);
    }

    @Test
    void missingModelDirectorySaysWhatToDo() throws Exception {
        Path absent = Files.createTempDirectory("no-model").resolve("absent");

        Process demo = launch("demo", "--events", "1", "--model-dir", absent.toString());
        CompletableFuture<List<String>> lines = readLines(demo, null);
        assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "the demo did not stop");
        String transcript = String.join("\n", lines.get(10, TimeUnit.SECONDS));

        assertEquals(2, demo.exitValue(), transcript);
        assertTrue(transcript.contains("No model directory at " + absent)
                && transcript.contains("Check --model-dir"), transcript);
    }

    @Test
    void sigtermStopsTheUnboundedDemoCleanly() throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");

        Process demo = launch("demo", "--model-dir", model.toString(), "--rate", "20");
        CountDownLatch firstResult = new CountDownLatch(1);
        CompletableFuture<List<String>> lines = readLines(demo, firstResult);
        if (!firstResult.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            demo.destroyForcibly();
            fail("no result within " + TIMEOUT_SECONDS + " s:\n" + String.join("\n", lines.get(10, TimeUnit.SECONDS)));
        }
        // SIGTERM, which the JVM handles as Ctrl-C's SIGINT: it runs the shutdown hooks. Through the handle, as
        // Process.destroy() would also close the output still being read.
        demo.toHandle().destroy();

        boolean exited = demo.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            demo.destroyForcibly();
        }
        String transcript = String.join("\n", lines.get(10, TimeUnit.SECONDS));
        assertTrue(exited, "the demo did not stop within 60 s of SIGTERM:\n" + transcript);
        assertNotEquals(0, demo.exitValue(), "a signal ends the JVM with 128 + signal");
        assertTrue(transcript.contains("summary: ") && transcript.contains(" 0 duplicates"),
                "no summary after SIGTERM:\n" + transcript);
    }

    private static Process launch(String... args) throws IOException {
        Path root = Fixtures.repositoryRoot();
        List<String> command = new ArrayList<>();
        command.add(root.resolve("albert").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        builder.environment().put("ALBERT_SKIP_BUILD", "1");
        builder.environment().put("ALBERT_JAVA_OPTS", "-Xmx1g -XX:+UseSerialGC");
        return builder.start();
    }

    /** All output lines, also echoed to this test's output; counts down {@code firstResult} at the first result. */
    private static CompletableFuture<List<String>> readLines(Process process, CountDownLatch firstResult) {
        return CompletableFuture.supplyAsync(() -> {
            List<String> lines = new ArrayList<>();
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    System.out.println("[demo] " + line);
                    lines.add(line);
                    if (firstResult != null && RESULT.matcher(line).matches()) {
                        firstResult.countDown();
                    }
                }
            } catch (IOException e) {
                lines.add("(reading the output failed: " + e + ")");
            }
            return lines;
        });
    }

    private static Set<String> labels(Path model) throws IOException {
        JsonNode id2label = new ObjectMapper().readTree(model.resolve("config.json").toFile()).get("id2label");
        Set<String> labels = new HashSet<>();
        id2label.elements().forEachRemaining(label -> labels.add(label.asText()));
        return labels;
    }
}
