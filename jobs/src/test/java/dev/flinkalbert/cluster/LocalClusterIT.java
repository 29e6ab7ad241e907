package dev.flinkalbert.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.pipeline.KafkaTopics;
import dev.flinkalbert.testing.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The job jar, unchanged, submitted with Flink's own client ({@code bin/flink run}, i.e. {@code CliFrontend}) to a
 * cluster of separate processes: one JobManager, two TaskManagers with two slots each, and a Kafka broker, as
 * {@code ./albert cluster start} runs them. One cluster for the whole class; every process is stopped at the end,
 * also when a test fails (and by a shutdown hook if the JVM is stopped).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    private static LocalFlinkCluster cluster;
    private static Path jobJar;

    @BeforeAll
    static void startCluster() throws IOException {
        Path root = Fixtures.repositoryRoot();
        jobJar = single(root.resolve("jobs/target"), "flink-albert-jobs-*-job.jar");
        Path home = root.resolve("jobs/target/it-cluster");
        deleteRecursively(home);
        cluster = LocalFlinkCluster.builder()
                .repositoryRoot(root)
                .home(home)
                .topics("classify-in:4", "classify-out:2", "classify-dead:1",
                        "embed-in:2", "embed-out:2", "embed-dead:1",
                        "qa-in:3", "qa-out:2", "qa-dead:1",
                        "faults-in:4", "faults-out:2", "faults-dead:1",
                        "sql-in:2", "sql-out:1")
                .build()
                .stopOnExit()
                .start();
        System.out.println(String.join("\n", cluster.status()));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
            for (String name : cluster.processNames()) {
                assertTrue(cluster.ownProcess(name).isEmpty(), name + " still runs");
            }
        }
    }

    /**
     * (a) classify, embed and qa at parallelism 4, 2 and 3, each model shipped with the job; (d) the two jobs run
     * one after the other on the same TaskManagers with ONNX Runtime from lib/, and a TaskManager's two slots share
     * one session; (e) the TaskManagers open the model from their distributed-cache copy.
     */
    @Test
    @Order(1)
    void classifyEmbedAndQaJobsGiveTheFixturesResults() throws Exception {
        // classify: 55 events (40 texts, 15 pairs), labels and probabilities as Hugging Face computed them
        Path seqcls = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(seqcls.resolve("expected.jsonl"));
        produce("classify-in", expected, r -> event(r.get("id").asText())
                .put("text", r.get("text").asText())
                .put("text_pair", r.hasNonNull("text_pair") ? r.get("text_pair").asText() : null));
        String classify = submit("dev.flinkalbert.jobs.ClassifyJob", "-p", "4", seqcls, "classify", "--max-length", "128");
        awaitFinished(classify);
        Map<String, JsonNode> labels = results("classify-out", "classify-dead", expected.size());
        for (JsonNode want : expected) {
            String id = want.get("id").asText();
            JsonNode got = labels.get(id);
            assertEquals(want.get("predicted_label").asText(), got.get("label").asText(), id);
            double best = 0;
            for (JsonNode p : want.get("probabilities")) {
                best = Math.max(best, p.asDouble());
            }
            assertEquals(best, got.get("score").asDouble(), 1e-5, id);
        }

        // embed: the pooler output of 40 texts
        Path base = Fixtures.require("hf-albert-tiny/base");
        List<JsonNode> texts = Fixtures.jsonLines(base.resolve("expected.jsonl"));
        produce("embed-in", texts, r -> event(r.get("id").asText()).put("text", r.get("text").asText()));
        String embed = submit("dev.flinkalbert.jobs.EmbedJob", "-p", "2", base, "embed", "--max-length", "128",
                "--pooling", "pooler");
        awaitFinished(embed);
        Map<String, JsonNode> vectors = results("embed-out", "embed-dead", texts.size());
        for (JsonNode want : texts) {
            String id = want.get("id").asText();
            JsonNode pooler = want.get("pooler_output");
            JsonNode got = vectors.get(id).get("embedding");
            assertEquals(pooler.size(), got.size(), id);
            for (int i = 0; i < pooler.size(); i++) {
                assertEquals(pooler.get(i).asDouble(), got.get(i).asDouble(), 1e-4, id + "[" + i + "]");
            }
        }

        // qa: 20 multi-window contexts, answers as Hugging Face's question-answering pipeline gives them
        Path qa = Fixtures.require("hf-albert-tiny/qa");
        List<JsonNode> questions = Fixtures.jsonLines(qa.resolve("pipeline-expected.jsonl"));
        produce("qa-in", questions, r -> event(r.get("id").asText())
                .put("question", r.get("question").asText()).put("context", r.get("context").asText()));
        String answer = submit("dev.flinkalbert.jobs.QaJob", "-p", "3", qa, "qa");
        awaitFinished(answer);
        Map<String, JsonNode> answers = results("qa-out", "qa-dead", questions.size());
        for (JsonNode want : questions) {
            String id = want.get("id").asText();
            JsonNode got = answers.get(id);
            String context = want.get("context").asText();
            assertEquals(want.get("answer").asText(), got.get("answer").asText(), id);
            assertEquals(context.offsetByCodePoints(0, want.get("start").asInt()), got.get("start").asInt(), id);
            assertEquals(context.offsetByCodePoints(0, want.get("end").asInt()), got.get("end").asInt(), id);
            double score = want.get("score").asDouble();
            assertEquals(score, got.get("score").asDouble(), score * 1e-3, id);
        }

        for (String tm : List.of("taskmanager-1", "taskmanager-2")) {
            String log = read(cluster.log(tm + ".log"));
            // (d) ONNX Runtime from lib/, by the parent class loader, in every job; never a second native library
            assertFalse(log.contains("already loaded in another classloader"), tm);
            List<String> environments = lines(log, "Using the ONNX Runtime");
            assertFalse(environments.isEmpty(), tm + " used no ONNX Runtime");
            for (String line : environments) {
                assertTrue(line.contains("/lib/onnxruntime-1.28.0.jar") && line.contains("AppClassLoader"), line);
            }
            // (e) the shipped model, opened from this TaskManager's distributed-cache copy
            assertTrue(lines(log, "Opened ONNX Runtime").stream()
                    .anyMatch(l -> l.contains("/flink-dist-cache-") && l.contains("/" + classify + "/seqcls/model.onnx")),
                    tm + " did not open the shipped classification model:\n" + lines(log, "Opened ONNX Runtime"));
            // (d) classify ran 4 subtasks on 2 TaskManagers of 2 slots: the second subtask of each shares the session
            assertTrue(lines(log, "Sharing the ONNX Runtime session").stream()
                    .anyMatch(l -> l.contains("/" + classify + "/seqcls/model.onnx") && l.contains("(2 users")),
                    tm + ": the two slots did not share one session");
        }
        assertTrue(lines(read(cluster.log("taskmanager-1.log")) + read(cluster.log("taskmanager-2.log")),
                "Using the ONNX Runtime").size() >= 2, "two jobs ran one after the other on the TaskManagers");
    }

    /** (e) and (g): misconfiguration fails at submission, on the client, with one message naming the fix. */
    @Test
    @Order(2)
    void misconfigurationFailsAtSubmissionNamingTheFix() throws Exception {
        Path seqcls = Fixtures.require("hf-albert-tiny/seqcls");
        String actualSha = fixtureSha256("seqcls/model.onnx");
        String wrongSha = "ab".repeat(32);
        var wrongModelRun = async(cluster.flinkCommand("run", "-d", "-c", "dev.flinkalbert.jobs.ClassifyJob", jobJar.toString(),
                "--bootstrap-servers", cluster.bootstrapServers(), "--input-topic", "classify-in",
                "--output-topic", "classify-out", "--dead-letter-topic", "classify-dead", "--format", "json",
                "--model-dir", seqcls.toString(), "--ship-model", "--model-sha256", wrongSha));
        Path nowhere = cluster.home().resolve("no-such-model");
        var missingModelRun = async(cluster.flinkCommand("run", "-d", "-c", "dev.flinkalbert.jobs.ClassifyJob",
                jobJar.toString(), "--bootstrap-servers", cluster.bootstrapServers(), "--input-topic", "classify-in",
                "--output-topic", "classify-out", "--dead-letter-topic", "classify-dead", "--format", "json",
                "--model-dir", nowhere.toString()));
        String unreachable = "127.0.0.1:" + LocalFlinkCluster.freePort();
        var noBrokerRun = async(cluster.flinkCommand("run", "-d", "-c", "dev.flinkalbert.jobs.ClassifyJob",
                jobJar.toString(), "--bootstrap-servers", unreachable, "--input-topic", "classify-in",
                "--output-topic", "classify-out", "--dead-letter-topic", "classify-dead", "--format", "json",
                "--model-dir", seqcls.toString(), "--ship-model"));

        Run wrongModel = wrongModelRun.get();
        assertNotEquals(0, wrongModel.exit(), wrongModel.output());
        assertTrue(wrongModel.output().contains(actualSha) && wrongModel.output().contains(wrongSha),
                "both checksums named:\n" + wrongModel.output());

        Run missingModel = missingModelRun.get();
        assertNotEquals(0, missingModel.exit(), missingModel.output());
        assertTrue(missingModel.output().contains("--model-dir " + nowhere + ": ")
                && missingModel.output().contains("the directory does not exist: point"), missingModel.output());

        Run noBroker = noBrokerRun.get();
        assertNotEquals(0, noBroker.exit(), noBroker.output());
        assertTrue(noBroker.output().contains("Kafka at " + unreachable + " did not answer")
                && noBroker.output().contains("check --bootstrap-servers"), noBroker.output());

        // The same client on a Flink home whose lib/ lacks ONNX Runtime (a cluster set up without it).
        Path bare = cluster.home().resolveSibling("it-cluster-without-onnxruntime");
        deleteRecursively(bare);
        Files.createDirectories(bare.resolve("lib"));
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(cluster.home().resolve("lib"), "*.jar")) {
            for (Path jar : jars) {
                if (!jar.getFileName().toString().startsWith("onnxruntime")) {
                    Files.createSymbolicLink(bare.resolve("lib").resolve(jar.getFileName()), jar.toRealPath());
                }
            }
        }
        Files.createDirectories(bare.resolve("bin"));
        Files.createDirectories(bare.resolve("log"));
        Files.copy(cluster.home().resolve("bin/flink"), bare.resolve("bin/flink"));
        copyDirectory(cluster.conf(), bare.resolve("conf"));
        Run noOnnxRuntime = run(new ProcessBuilder(bare.resolve("bin/flink").toString(), "run", "-d",
                "-c", "dev.flinkalbert.jobs.ClassifyJob", jobJar.toString(),
                "--bootstrap-servers", cluster.bootstrapServers(), "--input-topic", "classify-in",
                "--output-topic", "classify-out", "--dead-letter-topic", "classify-dead", "--format", "json",
                "--model-dir", seqcls.toString(), "--ship-model"));
        assertNotEquals(0, noOnnxRuntime.exit(), noOnnxRuntime.output());
        assertTrue(noOnnxRuntime.output().contains("ONNX Runtime is not on the class path")
                && noOnnxRuntime.output().contains("into Flink's lib/"), noOnnxRuntime.output());
    }

    /**
     * One unbounded job, two faults: (b) {@code kill -9} of a TaskManager mid-stream, after a completed checkpoint
     * and with transactions open, and a replacement started; then (c) the broker process stopped mid-stream and
     * started again on its log directory. Read with read_committed, every event is there once, in results or dead
     * letters. (f) Before the faults, the TaskManagers' Prometheus endpoints show this run's micro-batching metrics.
     */
    @Test
    @Order(3)
    void aKilledTaskManagerAndARestartedBrokerLoseNothing() throws Exception {
        try (StreamingRun run = new StreamingRun("faults")) {
            run.awaitCheckpoints(1);
            run.awaitDeadLetters(StreamingRun.POISON_PILLS);
            assertMetricsFit(run.jobId);

            String victim = cluster.runningTaskManagers().get(0);
            long killed = System.nanoTime();
            cluster.killTaskManager(victim);
            String replacement = cluster.startTaskManager();
            run.awaitRecovery(killed, "kill -9 " + victim + ", replacement " + replacement, true);

            long stopped = System.nanoTime();
            cluster.stopBroker();
            Thread.sleep(2_000);
            cluster.startBroker();
            run.awaitRecovery(stopped, "broker stopped and started again", false);

            run.finishAndCheckExactlyOnce();
        }
    }

    /**
     * (h) SQL through Flink's SQL Gateway: a session over its REST API, {@code ADD JAR} of the job jar (it holds the
     * provider and the Kafka SQL connector with their SPI files; ONNX Runtime stays in lib/), {@code CREATE MODEL …
     * 'provider' = 'albert'}, and an {@code INSERT INTO} a Kafka table {@code SELECT … FROM ML_PREDICT(TABLE
     * kafka_source, …)}: the labels and probabilities Hugging Face gives for the same texts.
     */
    @Test
    @Order(4)
    void sqlGatewayRunsMlPredictIntoKafka() throws Exception {
        Path seqcls = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(seqcls.resolve("expected.jsonl")).stream()
                .filter(r -> !r.hasNonNull("text_pair")).toList();
        produce("sql-in", expected, r -> event(r.get("id").asText()).put("text", r.get("text").asText()));
        String gateway = cluster.startSqlGateway();
        String session = JSON.readTree(post(gateway + "/v1/sessions", "{}")).get("sessionHandle").asText();
        String servers = cluster.bootstrapServers();
        sql(gateway, session, "ADD JAR '" + jobJar + "'");
        sql(gateway, session, "CREATE TABLE kafka_source (id STRING, text STRING) WITH ('connector' = 'kafka',"
                + " 'topic' = 'sql-in', 'properties.bootstrap.servers' = '" + servers + "',"
                + " 'properties.group.id' = 'it-sql', 'scan.startup.mode' = 'earliest-offset',"
                + " 'scan.bounded.mode' = 'latest-offset', 'format' = 'json')");
        sql(gateway, session, "CREATE TABLE labels (id STRING, label STRING, score FLOAT) WITH ("
                + " 'connector' = 'kafka', 'topic' = 'sql-out', 'properties.bootstrap.servers' = '" + servers + "',"
                + " 'format' = 'json')");
        sql(gateway, session, "CREATE MODEL sentiment INPUT (text STRING)"
                + " OUTPUT (label STRING, score FLOAT, scores MAP<STRING, FLOAT>)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + seqcls + "', 'max-length' = '128')");
        JsonNode insert = sql(gateway, session, "INSERT INTO labels SELECT id, label, score"
                + " FROM ML_PREDICT(TABLE kafka_source, MODEL sentiment, DESCRIPTOR(text))");
        awaitFinished(insert.get("jobID").asText());

        Map<String, JsonNode> byId = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : KafkaTopics.readCommitted(servers, "sql-out")) {
            JsonNode row = JSON.readTree(record.value());
            assertEquals(null, byId.put(row.get("id").asText(), row), "once: " + row);
        }
        assertEquals(expected.size(), byId.size());
        for (JsonNode want : expected) {
            String id = want.get("id").asText();
            assertEquals(want.get("predicted_label").asText(), byId.get(id).get("label").asText(), id);
            double best = 0;
            for (JsonNode p : want.get("probabilities")) {
                best = Math.max(best, p.asDouble());
            }
            assertEquals(best, byId.get(id).get("score").asDouble(), 1e-5, id);
        }
    }

    /**
     * (g) A model directory that the client sees and the TaskManagers do not, not shipped: the client's checks pass,
     * so the TaskManager that opens it must say what to do, in the job's exception history (what {@code flink} and
     * the web UI show), not only in its log. On one machine the directory is removed once the job runs, and every
     * TaskManager is killed, so the job is deployed again on a new TaskManager that cannot find it.
     */
    @Test
    @Order(5)
    void aModelTheTaskManagersCannotSeeFailsTheJobNamingTheFix() throws Exception {
        Path clientOnly = cluster.home().resolveSibling("client-only-model");
        deleteRecursively(clientOnly);
        copyDirectory(Fixtures.require("hf-albert-tiny/seqcls"), clientOnly);
        Run submitted = flink("run", "-d", "-p", "1", "-c", "dev.flinkalbert.jobs.ClassifyJob", jobJar.toString(),
                "--bootstrap-servers", cluster.bootstrapServers(), "--input-topic", "classify-in",
                "--output-topic", "classify-out", "--dead-letter-topic", "classify-dead", "--group-id", "it-hidden",
                "--format", "json", "--model-dir", clientOnly.toString(), "--checkpoint-interval", "1s");
        assertEquals(0, submitted.exit(), submitted.output());
        Matcher m = JOB_ID.matcher(submitted.output());
        assertTrue(m.find(), submitted.output());
        String jobId = m.group(1);
        try {
            long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
            // a completed checkpoint: every task runs, so the model was opened from the client's copy
            while (!LocalFlinkCluster.httpGet(cluster.restUrl() + "/jobs/" + jobId + "/checkpoints").orElse("")
                    .matches("(?s).*\"completed\"\\s*:\\s*[1-9].*")) {
                assertTrue(System.nanoTime() < deadline, "job " + jobId + " completed no checkpoint: "
                        + jobState(jobId));
                Thread.sleep(500);
            }
            deleteRecursively(clientOnly);
            for (String taskManager : cluster.runningTaskManagers()) {
                cluster.killTaskManager(taskManager);
            }
            cluster.startTaskManager();

            String fix = "or ship it with the job";
            String exceptions = "";
            while (!exceptions.contains(fix)) {
                assertTrue(System.nanoTime() < deadline, "no exception naming the fix in the job's history:\n"
                        + exceptions);
                Thread.sleep(1_000);
                exceptions = LocalFlinkCluster.httpGet(cluster.restUrl() + "/jobs/" + jobId + "/exceptions")
                        .orElse("");
            }
            assertTrue(exceptions.contains(clientOnly + " does not exist on this TaskManager"), exceptions);
            assertTrue(exceptions.contains("--ship-model"), exceptions);
        } finally {
            cancel(jobId);
        }
    }

    /**
     * (i) Every TCP socket that a process of the cluster listens on (JobManager, TaskManagers, broker, SQL Gateway:
     * RPC, blob server, shuffle, REST, Prometheus, Kafka listeners, whatever else a library opened) is bound to the
     * loopback interface, read from the kernel's socket tables for each process. The ports the cluster hands out are
     * among them, so an empty or misread table cannot pass.
     */
    @Test
    @Order(6)
    void everyPortOfTheClusterListensOnLoopbackOnly() throws Exception {
        if (cluster.ownProcess(LocalFlinkCluster.SQL_GATEWAY).isEmpty()) {
            cluster.startSqlGateway();
        }
        Map<String, Integer> knownPorts = new HashMap<>();
        knownPorts.put(LocalFlinkCluster.JOB_MANAGER, port(cluster.restUrl()));
        knownPorts.put(LocalFlinkCluster.BROKER, port("//" + cluster.bootstrapServers()));
        knownPorts.put(LocalFlinkCluster.SQL_GATEWAY, port(cluster.sqlGatewayUrl().orElseThrow()));
        List<String> offenders = new ArrayList<>();
        List<String> running = cluster.processNames().stream().filter(n -> cluster.ownProcess(n).isPresent()).toList();
        for (String name : running) {
            long pid = cluster.ownProcess(name).orElseThrow().pid();
            List<ListeningSockets.Listener> listeners = ListeningSockets.of(pid);
            System.out.println(name + " listens on " + listeners);
            List<Integer> ports = listeners.stream().map(ListeningSockets.Listener::port).toList();
            Integer known = knownPorts.get(name);
            if (known != null) {
                assertTrue(ports.contains(known), name + " should listen on port " + known + ", found " + listeners);
            }
            Optional<String> metrics = cluster.metricsUrl(name);
            metrics.ifPresent(url -> assertTrue(ports.contains(port(url)),
                    name + "'s Prometheus endpoint " + url + " is not among its sockets " + listeners));
            listeners.stream().filter(l -> !l.loopbackOnly()).forEach(l -> offenders.add(name + " (pid " + pid
                    + ") listens on " + l + ": port " + l.port()
                    + (metrics.map(url -> port(url) == l.port()).orElse(false) ? ", its Prometheus endpoint" : "")));
        }
        assertTrue(running.contains(LocalFlinkCluster.JOB_MANAGER) && running.contains(LocalFlinkCluster.BROKER)
                && running.contains(LocalFlinkCluster.SQL_GATEWAY) && !cluster.runningTaskManagers().isEmpty(),
                "every kind of process runs: " + running);
        assertEquals(List.of(), offenders, "sockets reachable from other machines");
    }

    private static int port(String url) {
        return java.net.URI.create(url).getPort();
    }

    /** Runs one statement in a gateway session and returns its first result page, once the operation finished. */
    private static JsonNode sql(String gateway, String session, String statement) throws Exception {
        String operation = JSON.readTree(post(gateway + "/v1/sessions/" + session + "/statements",
                JSON.createObjectNode().put("statement", statement).toString())).get("operationHandle").asText();
        String base = gateway + "/v1/sessions/" + session + "/operations/" + operation;
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (true) {
            String status = JSON.readTree(LocalFlinkCluster.httpGet(base + "/status").orElse("{}"))
                    .path("status").asText();
            if (status.equals("FINISHED")) {
                break;
            }
            if (status.equals("ERROR") || status.equals("CANCELED") || status.equals("CLOSED")) {
                fail(statement + ": " + status + " " + LocalFlinkCluster.httpGet(base + "/result/0").orElse(
                        "(no result)") + " " + request("GET", base + "/result/0", null));
            }
            assertTrue(System.nanoTime() < deadline, statement + " still " + status);
            Thread.sleep(200);
        }
        return JSON.readTree(LocalFlinkCluster.httpGet(base + "/result/0?rowFormat=JSON").orElseThrow());
    }

    private static String post(String url, String json) throws Exception {
        return request("POST", url, json);
    }

    private static String request(String method, String url, String json) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url)).header("Content-Type", "application/json")
                .method(method, json == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(json)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (method.equals("POST")) {
            assertEquals(200, response.statusCode(), url + ": " + response.body());
        }
        return response.body();
    }

    /** The Prometheus endpoint of every TaskManager, scraped over HTTP: the operators' micro-batching metrics. */
    private static void assertMetricsFit(String jobId) {
        double deadLetters = 0;
        int batchSizeSeries = 0;
        for (String tm : cluster.runningTaskManagers()) {
            String url = cluster.metricsUrl(tm).orElseThrow();
            String metrics = LocalFlinkCluster.httpGet(url).orElseThrow(() -> new AssertionError("no answer from " + url));
            for (String line : metrics.lines().filter(l -> !l.startsWith("#") && l.contains(jobId)).toList()) {
                double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                if (line.startsWith("flink_taskmanager_job_task_operator_microBatch_batchSize{")
                        && line.contains("quantile=\"0.5\"")) {
                    batchSizeSeries++;
                    assertTrue(value >= 1 && value <= StreamingRun.BATCH_SIZE, line);
                } else if (line.startsWith("flink_taskmanager_job_task_operator_microBatch_paddingPermille{")) {
                    assertTrue(value >= 0 && value <= 1000 || Double.isNaN(value), line);
                } else if (line.startsWith("flink_taskmanager_job_task_operator_microBatch_inferenceLatencyMicros{")
                        && line.contains("quantile=\"0.5\"")) {
                    assertTrue(value > 0 || Double.isNaN(value), line);
                } else if (line.startsWith("flink_taskmanager_job_task_operator_microBatch_deadLetters{")) {
                    deadLetters += value;
                }
            }
        }
        assertEquals(4, batchSizeSeries, "one batch-size series per subtask (parallelism 4)");
        assertEquals(StreamingRun.POISON_PILLS, deadLetters, 0.0, "dead letters counted by the operators");
    }

    /**
     * An unbounded classify job at parallelism 4 (both TaskManagers' slots), 1 s checkpoints, exactly once, fed by a
     * producer thread at about 40 events/s (a few without text: dead letters) until {@link #finishAndCheckExactlyOnce}.
     */
    private static final class StreamingRun implements AutoCloseable {
        static final int BATCH_SIZE = 8;
        static final int POISON_PILLS = 2;
        final String prefix;
        final String jobId;
        final List<String> sent = java.util.Collections.synchronizedList(new ArrayList<>());
        final Thread producer;
        volatile boolean producing = true;
        volatile Exception producerFailure;

        StreamingRun(String prefix) throws Exception {
            this.prefix = prefix;
            Path seqcls = Fixtures.require("hf-albert-tiny/seqcls");
            List<JsonNode> texts = Fixtures.jsonLines(seqcls.resolve("expected.jsonl"));
            List<ProducerRecord<byte[], byte[]>> first = new ArrayList<>();
            for (int i = 0; i < POISON_PILLS; i++) {
                String id = prefix + "-pill-" + i;
                first.add(new ProducerRecord<>(prefix + "-in", bytes(id), bytes(event(id).toString())));
                sent.add(id);
            }
            KafkaTopics.produce(cluster.bootstrapServers(), first);
            jobId = submit("dev.flinkalbert.jobs.ClassifyJob", "-p", "4", seqcls, prefix, false,
                    "--max-length", "128", "--batch-size", Integer.toString(BATCH_SIZE), "--flush-batches", "1");
            producer = new Thread(() -> produce(texts), prefix + "-producer");
            producer.start();
        }

        private void produce(List<JsonNode> texts) {
            java.util.Properties props = new java.util.Properties();
            props.put("bootstrap.servers", cluster.bootstrapServers());
            props.put("acks", "all");
            props.put("enable.idempotence", "true");
            props.put("delivery.timeout.ms", "180000");
            try (var p = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(props,
                    new org.apache.kafka.common.serialization.ByteArraySerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                for (int i = 0; producing; i++) {
                    String id = prefix + "-" + i;
                    ObjectNode event = event(id).put("text", texts.get(i % texts.size()).get("text").asText());
                    p.send(new ProducerRecord<>(prefix + "-in", bytes(id), bytes(event.toString())), (meta, e) -> {
                        if (e == null) {
                            sent.add(id);
                        } else {
                            producerFailure = e;
                        }
                    });
                    Thread.sleep(25);
                }
                p.flush();
            } catch (Exception e) {
                producerFailure = e;
            }
        }

        void awaitCheckpoints(int completed) throws InterruptedException {
            long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
            while (completedCheckpoints() < completed) {
                assertEquals("RUNNING", jobState(jobId));
                assertTrue(System.nanoTime() < deadline, "no completed checkpoint");
                Thread.sleep(200);
            }
        }

        int completedCheckpoints() {
            String json = LocalFlinkCluster.httpGet(cluster.restUrl() + "/jobs/" + jobId + "/checkpoints").orElse("");
            Matcher m = Pattern.compile("\"completed\"\\s*:\\s*(\\d+)").matcher(json);
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        }

        void awaitDeadLetters(int n) throws InterruptedException {
            long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
            while (KafkaTopics.readCommitted(cluster.bootstrapServers(), prefix + "-dead").size() < n) {
                assertTrue(System.nanoTime() < deadline, "dead letters not committed");
                Thread.sleep(500);
            }
        }

        /** Waits until every task runs again and a checkpoint completes after the fault; prints the time it took. */
        void awaitRecovery(long faultNanos, String fault, boolean mustRestart) throws InterruptedException {
            int before = completedCheckpoints();
            long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
            while (true) {
                String state = jobState(jobId);
                assertNotEquals("FAILED", state, "the job failed after: " + fault);
                boolean restarted = !mustRestart || restarts() > 0;
                if (restarted && state.equals("RUNNING") && completedCheckpoints() > before) {
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "no recovery within " + JOB_TIMEOUT + " after: " + fault);
                Thread.sleep(200);
            }
            System.out.printf("recovery after %s: %.1f s (job running again and a checkpoint completed)%n", fault,
                    (System.nanoTime() - faultNanos) / 1e9);
        }

        long restarts() {
            String json = LocalFlinkCluster.httpGet(cluster.restUrl() + "/jobs/" + jobId + "/exceptions").orElse("");
            return Pattern.compile("\"exceptionName\"").matcher(json).results().count();
        }

        /** Stops the producer, waits until every sent event is committed once, and checks nothing is there twice. */
        void finishAndCheckExactlyOnce() throws Exception {
            Thread.sleep(2_000); // some events after the recovery too
            producing = false;
            producer.join();
            if (producerFailure != null) {
                throw new AssertionError("the test producer failed", producerFailure);
            }
            java.util.Set<String> expected = new java.util.TreeSet<>(sent);
            assertEquals(sent.size(), expected.size());
            long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
            List<String> seen;
            while (true) {
                seen = new ArrayList<>();
                for (String topic : List.of(prefix + "-out", prefix + "-dead")) {
                    for (ConsumerRecord<byte[], byte[]> r : KafkaTopics.readCommitted(cluster.bootstrapServers(), topic)) {
                        seen.add(new String(r.key(), StandardCharsets.UTF_8));
                    }
                }
                if (seen.size() >= expected.size() || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(1_000);
            }
            java.util.Set<String> distinct = new java.util.TreeSet<>(seen);
            java.util.Set<String> missing = new java.util.TreeSet<>(expected);
            missing.removeAll(distinct);
            assertEquals(java.util.Set.of(), missing, "missing");
            assertEquals(distinct.size(), seen.size(), "duplicates");
            assertEquals(expected, distinct);
            System.out.printf("%s: %d events in, %d results and dead letters out, 0 duplicates, 0 missing%n",
                    prefix, expected.size(), seen.size());
        }

        @Override
        public void close() throws InterruptedException {
            producing = false;
            producer.join();
            cancel(jobId);
        }
    }

    private static void cancel(String jobId) {
        try {
            java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(cluster.restUrl() + "/jobs/" + jobId + "?mode=cancel"))
                    .method("PATCH", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static ObjectNode event(String id) {
        return JSON.createObjectNode().put("id", id);
    }

    private static void produce(String topic, List<JsonNode> records,
            java.util.function.Function<JsonNode, ObjectNode> toEvent) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (JsonNode record : records) {
            ObjectNode event = toEvent.apply(record);
            out.add(new ProducerRecord<>(topic, event.get("id").asText().getBytes(StandardCharsets.UTF_8),
                    event.toString().getBytes(StandardCharsets.UTF_8)));
        }
        KafkaTopics.produce(cluster.bootstrapServers(), out);
    }

    /** Submits a bounded job (JSON topics, the model shipped, 1 s checkpoints) with bin/flink; returns its id. */
    private static String submit(String jobClass, String flag, String parallelism, Path model, String prefix,
            String... jobArgs) throws Exception {
        return submit(jobClass, flag, parallelism, model, prefix, true, jobArgs);
    }

    private static String submit(String jobClass, String flag, String parallelism, Path model, String prefix,
            boolean bounded, String... jobArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-d", flag, parallelism, "-c", jobClass, jobJar.toString(),
                "--bootstrap-servers", cluster.bootstrapServers(),
                "--input-topic", prefix + "-in", "--output-topic", prefix + "-out",
                "--dead-letter-topic", prefix + "-dead", "--group-id", "it-" + prefix, "--format", "json",
                "--model-dir", model.toString(), "--ship-model", "--checkpoint-interval", "1s"));
        if (bounded) {
            args.add("--bounded");
        }
        args.addAll(List.of(jobArgs));
        Run run = flink(args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.output());
        Matcher m = JOB_ID.matcher(run.output());
        assertTrue(m.find(), run.output());
        return m.group(1);
    }

    private static void awaitFinished(String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (true) {
            String state = jobState(jobId);
            if (state.equals("FINISHED")) {
                return;
            }
            if (state.equals("FAILED") || state.equals("CANCELED")) {
                fail("job " + jobId + " " + state + ": "
                        + LocalFlinkCluster.httpGet(cluster.restUrl() + "/jobs/" + jobId + "/exceptions").orElse(""));
            }
            assertTrue(System.nanoTime() < deadline, "job " + jobId + " still " + state + " after " + JOB_TIMEOUT);
            Thread.sleep(500);
        }
    }

    static String jobState(String jobId) {
        String json = LocalFlinkCluster.httpGet(cluster.restUrl() + "/jobs/" + jobId).orElse("{}");
        Matcher m = Pattern.compile("\"state\"\\s*:\\s*\"([A-Z]+)\"").matcher(json);
        return m.find() ? m.group(1) : "UNKNOWN";
    }

    /** Committed results by id; asserts each id once and no dead letters. */
    private static Map<String, JsonNode> results(String topic, String deadLetterTopic, int expected) throws IOException {
        Map<String, JsonNode> byId = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : KafkaTopics.readCommitted(cluster.bootstrapServers(), topic)) {
            JsonNode result = JSON.readTree(record.value());
            assertEquals(null, byId.put(result.get("id").asText(), result), "exactly once: " + result.get("id"));
        }
        assertEquals(List.of(), KafkaTopics.readCommitted(cluster.bootstrapServers(), deadLetterTopic).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList());
        assertEquals(expected, byId.size());
        return byId;
    }

    record Run(int exit, String output) {}

    private static java.util.concurrent.CompletableFuture<Run> async(ProcessBuilder command) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return run(command);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    private static Run flink(String... args) throws Exception {
        return run(cluster.flinkCommand(args));
    }

    private static Run run(ProcessBuilder command) throws Exception {
        command.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = command.redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(3, TimeUnit.MINUTES), "bin/flink did not exit:\n" + output);
            return new Run(p.exitValue(), output);
        } finally {
            p.destroyForcibly();
        }
    }

    /** The file's SHA-256 as the JDK computes it (the reference the job's message must name). */
    private static String fixtureSha256(String file) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(Fixtures.require("hf-albert-tiny/" + file)));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> lines(String text, String containing) {
        return text.lines().filter(l -> l.contains(containing)).toList();
    }

    static String read(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path single(Path dir, String glob) throws IOException {
        try (DirectoryStream<Path> matches = Files.newDirectoryStream(dir, glob)) {
            List<Path> found = new ArrayList<>();
            matches.forEach(found::add);
            assertEquals(1, found.size(), "one " + glob + " in " + dir + " (run 'package' first): " + found);
            return found.get(0);
        }
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
            for (Path f : files) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
