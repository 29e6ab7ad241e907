package dev.flinkalbert.sql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.ClassificationPrediction;
import dev.flinkalbert.inference.Classifier;
import dev.flinkalbert.inference.Outcome;
import dev.flinkalbert.inference.TextInput;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.flinkalbert.flink.FlinkBatchMetrics;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code CREATE MODEL … WITH ('provider' = 'albert')} and {@code ML_PREDICT} on a local streaming
 * TableEnvironment with the fixture models: the SQL results equal Hugging Face's reference values and the engine's
 * own, on both prediction paths; wrong declarations fail at planning with messages naming the fix.
 */
class AlbertSqlTest {

    private static final float TOLERANCE = 1e-4f;
    /** The fixtures' texts were tokenized with {@code max_length=128}. */
    private static final int FIXTURE_MAX_LENGTH = 128;
    private static final double QA_RELATIVE_TOLERANCE = 1e-3;

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
            .build());

    private static TableEnvironment tableEnvironment() {
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        env.getConfig().set("parallelism.default", "2");
        return env;
    }

    @ParameterizedTest(name = "async = {0}")
    @ValueSource(booleans = {true, false})
    void classificationEqualsTheReferenceAndTheEngine(boolean async) throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> records = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        TableEnvironment env = tableEnvironment();
        List<Row> inputs = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            JsonNode r = records.get(i);
            inputs.add(Row.of(i, r.get("text").asText(), r.has("text_pair") ? r.get("text_pair").asText() : null));
        }
        env.createTemporaryView("inputs", env.fromValues(DataTypes.ROW(
                DataTypes.FIELD("id", DataTypes.INT()),
                DataTypes.FIELD("text", DataTypes.STRING()),
                DataTypes.FIELD("text_pair", DataTypes.STRING())), inputs));
        env.executeSql("CREATE TEMPORARY VIEW singles AS SELECT id, text FROM inputs WHERE text_pair IS NULL");
        env.executeSql("CREATE TEMPORARY VIEW pairs AS SELECT * FROM inputs WHERE text_pair IS NOT NULL");
        env.executeSql("CREATE MODEL single_classifier INPUT (text STRING)"
                + " OUTPUT (label STRING, score FLOAT, scores MAP<STRING, FLOAT>)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + dir + "',"
                + " 'max-length' = '" + FIXTURE_MAX_LENGTH + "')");
        env.executeSql("CREATE MODEL pair_classifier INPUT (text STRING, text_pair STRING)"
                + " OUTPUT (scores MAP<STRING, DOUBLE>, label STRING, score DOUBLE, error STRING)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + dir + "', 'task' = 'classify',"
                + " 'max-length' = '" + FIXTURE_MAX_LENGTH + "', 'batch.size' = '8', 'batch.linger' = '5 ms')");
        String config = ", MAP['async', '" + async + "', 'max-concurrent-operations', '16']";
        Map<Integer, Row> got = collect(env, "SELECT id, label, CAST(score AS DOUBLE) AS score, scores"
                + " FROM ML_PREDICT(TABLE singles, MODEL single_classifier, DESCRIPTOR(text)" + config + ")"
                + " UNION ALL SELECT id, label, score, CAST(scores AS MAP<STRING, FLOAT>)"
                + " FROM ML_PREDICT(TABLE pairs, MODEL pair_classifier, DESCRIPTOR(text, text_pair)" + config + ")");
        assertEquals(records.size(), got.size());

        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
                Classifier classifier = model.classifier().topK(3).maxLength(FIXTURE_MAX_LENGTH).build()) {
            List<TextInput> texts = new ArrayList<>();
            records.forEach(r -> texts.add(new TextInput(r.get("text").asText(),
                    r.has("text_pair") ? r.get("text_pair").asText() : null)));
            List<Outcome<ClassificationPrediction>> engine = classifier.predict(texts);
            List<String> labels = model.labels();
            for (int i = 0; i < records.size(); i++) {
                JsonNode want = records.get(i);
                String id = want.get("id").asText();
                Row row = got.get(i);
                Map<String, Float> scores = row.getFieldAs("scores");
                assertEquals(want.get("predicted_label").asText(), row.getFieldAs("label"), id);
                assertEquals(labels.size(), scores.size(), id);
                float[] probabilities = new float[labels.size()];
                for (int c = 0; c < labels.size(); c++) {
                    probabilities[c] = scores.get(labels.get(c));
                }
                assertArrayEquals(Fixtures.floats(want.get("probabilities")), probabilities, TOLERANCE, id);
                ClassificationPrediction direct = engine.get(i).value();
                assertEquals(direct.label(), row.getFieldAs("label"), id);
                assertEquals(direct.score(), (double) row.getFieldAs("score"), TOLERANCE, id);
                assertArrayEquals(direct.scores(), probabilities, 1e-6f, id);
            }
        }
    }

    /**
     * With a linger of an hour, a batch is flushed only when it is full: every batch holds exactly the rows a subtask
     * may have in flight (the query's {@code max-concurrent-operations}, else the table option, else Flink's 10),
     * and a {@code batch.size} above that bound never holds a batch back (the query would not finish in time).
     */
    @ParameterizedTest(name = "query {0}, table option {1}")
    @CsvSource(nullValues = "-", value = {"16, -, 16", "-, 5, 5", "-, -, 10"})
    @Timeout(180)
    void theAsynchronousPathBatchesTheRowsInFlight(Integer queryOption, Integer tableOption, int expectedBatch)
            throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        TableEnvironment env = tableEnvironment();
        env.getConfig().set("parallelism.default", "1");
        if (tableOption != null) {
            env.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", tableOption.toString());
        }
        int rowCount = expectedBatch * 4;
        List<Row> inputs = new ArrayList<>();
        for (int i = 0; i < rowCount; i++) {
            inputs.add(Row.of(i, "review number " + i));
        }
        env.createTemporaryView("texts", env.fromValues(DataTypes.ROW(
                DataTypes.FIELD("id", DataTypes.INT()), DataTypes.FIELD("text", DataTypes.STRING())), inputs));
        env.executeSql("CREATE MODEL sentiment INPUT (text STRING) OUTPUT (label STRING)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + dir + "', 'batch.size' = '32',"
                + " 'batch.linger' = '1 h')");
        TableResult result = env.executeSql("SELECT id, label FROM ML_PREDICT(TABLE texts, MODEL sentiment,"
                + " DESCRIPTOR(text)" + (queryOption == null ? "" : ", MAP['max-concurrent-operations', '"
                + queryOption + "']") + ")");
        int rows = 0;
        try (CloseableIterator<Row> it = result.collect()) {
            for (; it.hasNext(); it.next()) {
                rows++;
            }
        }
        assertEquals(rowCount, rows);
        JobID job = result.getJobClient().orElseThrow().getJobID();
        List<Histogram> batchSizes = METRICS.getMetricsByIdentifiers(job).entrySet().stream()
                .filter(e -> e.getKey().endsWith(FlinkBatchMetrics.GROUP + ".batchSize"))
                .map(e -> (Histogram) e.getValue())
                .toList();
        assertEquals(1, batchSizes.size(), METRICS.getMetricsByIdentifiers(job).keySet().toString());
        HistogramStatistics stats = batchSizes.get(0).getStatistics();
        assertEquals(4, stats.size());
        assertEquals(expectedBatch, stats.getMin());
        assertEquals(expectedBatch, stats.getMax());
    }

    @Test
    void poolerEmbeddingsEqualTheReference() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/base");
        List<JsonNode> records = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        TableEnvironment env = tableEnvironment();
        List<Row> inputs = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            inputs.add(Row.of(i, records.get(i).get("text").asText()));
        }
        env.createTemporaryView("texts", env.fromValues(DataTypes.ROW(
                DataTypes.FIELD("id", DataTypes.INT()), DataTypes.FIELD("text", DataTypes.STRING())), inputs));
        env.executeSql("CREATE MODEL embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + dir + "', 'pooling' = 'pooler',"
                + " 'max-length' = '" + FIXTURE_MAX_LENGTH + "')");
        Map<Integer, Row> got = collect(env,
                "SELECT id, embedding FROM ML_PREDICT(TABLE texts, MODEL embedder, DESCRIPTOR(text))");
        assertEquals(records.size(), got.size());
        for (int i = 0; i < records.size(); i++) {
            Float[] vector = got.get(i).getFieldAs("embedding");
            float[] values = new float[vector.length];
            for (int k = 0; k < vector.length; k++) {
                values[k] = vector[k];
            }
            assertArrayEquals(Fixtures.floats(records.get(i).get("pooler_output")), values, TOLERANCE,
                    records.get(i).get("id").asText());
        }
    }

    @Test
    void answersEqualThePipelines() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/qa");
        List<JsonNode> records = Fixtures.jsonLines(dir.resolve("pipeline-expected.jsonl"));
        TableEnvironment env = tableEnvironment();
        List<Row> inputs = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            inputs.add(Row.of(i, records.get(i).get("question").asText(), records.get(i).get("context").asText()));
        }
        env.createTemporaryView("questions", env.fromValues(DataTypes.ROW(
                DataTypes.FIELD("id", DataTypes.INT()),
                DataTypes.FIELD("q", DataTypes.STRING()),
                DataTypes.FIELD("c", DataTypes.STRING())), inputs));
        env.executeSql("CREATE MODEL reader INPUT (question STRING, context STRING)"
                + " OUTPUT (answer STRING, score DOUBLE, answer_start INT, answer_end INT)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + dir + "')");
        Map<Integer, Row> got = collect(env, "SELECT id, answer, score, answer_start, answer_end"
                + " FROM ML_PREDICT(TABLE questions, MODEL reader, DESCRIPTOR(q, c))");
        assertEquals(records.size(), got.size());
        for (int i = 0; i < records.size(); i++) {
            JsonNode want = records.get(i);
            String id = want.get("id").asText();
            String context = want.get("context").asText();
            Row row = got.get(i);
            assertEquals(want.get("answer").asText(), row.getFieldAs("answer"), id);
            assertEquals(context.offsetByCodePoints(0, want.get("start").asInt()),
                    (int) row.getFieldAs("answer_start"), id);
            assertEquals(context.offsetByCodePoints(0, want.get("end").asInt()), (int) row.getFieldAs("answer_end"),
                    id);
            double score = want.get("score").asDouble();
            assertEquals(score, row.getFieldAs("score"), score * QA_RELATIVE_TOLERANCE, id);
        }
    }

    @Test
    void aRowThatCannotBeProcessedComesOutWithTheReason() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        TableEnvironment env = tableEnvironment();
        env.executeSql("CREATE TEMPORARY VIEW texts AS SELECT * FROM (VALUES (0, CAST(NULL AS STRING)),"
                + " (1, 'ｈｅｌｌｏ')) AS t(id, text)");
        env.executeSql("CREATE MODEL sentiment INPUT (text STRING) OUTPUT (label STRING, error STRING)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + dir + "')");
        Map<Integer, Row> got =
                collect(env, "SELECT id, label, error FROM ML_PREDICT(TABLE texts, MODEL sentiment, DESCRIPTOR(text))");
        assertNull(got.get(0).getField("label"));
        assertTrue(((String) got.get(0).getFieldAs("error")).contains("null"), got.get(0).toString());
        assertEquals("neutral", got.get(1).getFieldAs("label")); // seqcls/expected.jsonl single-00
        assertNull(got.get(1).getField("error"));
    }

    @Test
    void wrongDeclarationsFailAtPlanningWithTheExpectedColumns() {
        Path seqcls = Fixtures.require("hf-albert-tiny/seqcls");
        TableEnvironment env = tableEnvironment();
        env.executeSql("CREATE TEMPORARY VIEW texts AS SELECT * FROM (VALUES ('a', 'b')) AS t(text, other)");
        String with = " WITH ('provider' = 'albert', 'model-directory' = '" + seqcls + "'";

        assertPlanningFails(env, "CREATE MODEL wrong_name INPUT (sentence STRING) OUTPUT (label STRING)" + with + ")",
                "unknown input column 'sentence'", "input column 'text' is missing",
                "Expected INPUT (text STRING, text_pair STRING (optional))");
        assertPlanningFails(env, "CREATE MODEL wrong_type INPUT (text STRING) OUTPUT (label STRING, score INT)"
                + with + ")", "output column 'score' is INT, expected FLOAT or DOUBLE",
                "OUTPUT (any of label STRING, score FLOAT or DOUBLE");
        assertPlanningFails(env, "CREATE MODEL wrong_task INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>)"
                + with + ")", "unknown output column 'embedding'");
        assertPlanningFails(env, "CREATE MODEL task_mismatch INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>)"
                + with + ", 'task' = 'embed')", "is a classify model (outputs [logits])");
        assertPlanningFails(env, "CREATE MODEL unknown_option INPUT (text STRING) OUTPUT (label STRING)"
                + with + ", 'batch-size' = '8')", "Unsupported options", "batch-size", "batch.size");
        assertPlanningFails(env, "CREATE MODEL missing_dir INPUT (text STRING) OUTPUT (label STRING)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + seqcls.resolveSibling("absent") + "')",
                "option 'model-directory'", "the directory does not exist");
        assertPlanningFails(env, "CREATE MODEL no_dir INPUT (text STRING) OUTPUT (label STRING)"
                + " WITH ('provider' = 'albert')", "Missing required options", "model-directory");
        assertPlanningFails(env, "CREATE MODEL misplaced_option INPUT (text STRING) OUTPUT (label STRING)"
                + with + ", 'pooling' = 'cls', 'qa.stride' = '64')", "is a classify model: remove",
                "'pooling' applies to [embed] models", "'qa.stride' applies to [ner, qa] models");
        assertPlanningFails(env, "CREATE MODEL bad_top_k INPUT (text STRING) OUTPUT (label STRING)"
                + with + ", 'top-k' = '0')", "'top-k' must be at least 1");
    }

    /** Creates the model, plans a query on it and checks the planning error's message. */
    private static void assertPlanningFails(TableEnvironment env, String createModel, String... expected) {
        env.executeSql(createModel);
        String model = createModel.split(" ")[2];
        Exception e = assertThrows(Exception.class, () -> env.explainSql(
                "SELECT * FROM ML_PREDICT(TABLE texts, MODEL " + model + ", DESCRIPTOR(text))"));
        String message = ExceptionUtils.stringifyException(e);
        assertTrue(ExceptionUtils.findThrowable(e, ValidationException.class).isPresent(), message);
        for (String part : expected) {
            assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
        }
    }

    /** Runs a bounded query and returns its rows by their first column ({@code id INT}). */
    static Map<Integer, Row> collect(TableEnvironment env, String query) throws Exception {
        Map<Integer, Row> rows = new HashMap<>();
        try (CloseableIterator<Row> it = env.executeSql(query).collect()) {
            while (it.hasNext()) {
                Row row = it.next();
                Row previous = rows.put((Integer) row.getField(0), row);
                assertNull(previous, "two rows for id " + row.getField(0));
            }
        }
        return rows;
    }
}
