package dev.flinkalbert.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.catalog.CatalogModel;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A classifier declared without a {@code scores} column ranks only the best class per row: its {@code label} and
 * {@code score} still equal Hugging Face's, and a classifier declared with the same options and a {@code scores}
 * column, in the same query, still gets every class's score: the two never share a batcher (a processor).
 */
class BestClassSqlTest {

    private static final float TOLERANCE = 1e-4f;
    /** The fixtures' texts were tokenized with {@code max_length=128}. */
    private static final int FIXTURE_MAX_LENGTH = 128;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    /**
     * Equal declarations share a batcher (one processor); a classifier that ranks only the best class must never
     * share one with a classifier that reads every class's score, whichever of them opens it first.
     */
    @Test
    void onlyDeclarationsThatReadAlikeShareABatcher() {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        Map<String, String> options = Map.of("provider", "albert", "model-directory", dir.toString());
        Column label = Column.physical("label", DataTypes.STRING());
        Column score = Column.physical("score", DataTypes.FLOAT());
        Column scores = Column.physical("scores", DataTypes.MAP(DataTypes.STRING(), DataTypes.FLOAT()));
        String best = batcher(options, label, score);
        assertEquals(best, batcher(options, score, label), "equal declarations, columns in another order");
        String ranked = batcher(options, label, score, scores);
        assertNotEquals(best, ranked);
        assertEquals(ranked, batcher(options, scores, label));
    }

    private static String batcher(Map<String, String> options, Column... outputs) {
        ResolvedSchema input = ResolvedSchema.of(Column.physical("text", DataTypes.STRING()));
        ResolvedSchema output = ResolvedSchema.of(outputs);
        ResolvedCatalogModel model = ResolvedCatalogModel.of(CatalogModel.of(
                Schema.newBuilder().fromResolvedSchema(input).build(),
                Schema.newBuilder().fromResolvedSchema(output).build(), options, null), input, output);
        AlbertModelProvider provider = (AlbertModelProvider) new AlbertModelProviderFactory().createModelProvider(
                new FactoryUtil.DefaultModelProviderContext(ObjectIdentifier.of("catalog", "db", "model"), model,
                        new Configuration(), BestClassSqlTest.class.getClassLoader(), true));
        return provider.spec().batcherName();
    }

    @ParameterizedTest(name = "async = {0}")
    @ValueSource(booleans = {true, false})
    void bestClassAloneAndAllScoresBesideIt(boolean async) throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> records = new ArrayList<>();
        for (JsonNode r : Fixtures.jsonLines(dir.resolve("expected.jsonl"))) {
            if (!r.has("text_pair")) {
                records.add(r);
            }
        }
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        env.getConfig().set("parallelism.default", "1");
        List<Row> inputs = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            inputs.add(Row.of(i, records.get(i).get("text").asText()));
        }
        env.createTemporaryView("texts", env.fromValues(DataTypes.ROW(
                DataTypes.FIELD("id", DataTypes.INT()), DataTypes.FIELD("text", DataTypes.STRING())), inputs));
        String with = " WITH ('provider' = 'albert', 'model-directory' = '" + dir + "', 'max-length' = '"
                + FIXTURE_MAX_LENGTH + "', 'max-batch-size' = '4', 'max-linger' = '5 ms')";
        env.executeSql("CREATE MODEL best INPUT (text STRING) OUTPUT (label STRING, score FLOAT)" + with);
        env.executeSql("CREATE MODEL ranked INPUT (text STRING)"
                + " OUTPUT (label STRING, score FLOAT, scores MAP<STRING, FLOAT>)" + with);
        String config = ", MAP['async', '" + async + "', 'max-concurrent-operations', '8']";
        Map<Integer, Row> best = AlbertSqlTest.collect(env, "SELECT id, label, score"
                + " FROM ML_PREDICT(TABLE texts, MODEL best, DESCRIPTOR(text)" + config + ")");
        Map<Integer, Row> ranked = AlbertSqlTest.collect(env, "SELECT id, label, score, scores"
                + " FROM ML_PREDICT(TABLE texts, MODEL ranked, DESCRIPTOR(text)" + config + ")"
                + " UNION ALL SELECT id + " + records.size() + ", label, score, CAST(NULL AS MAP<STRING, FLOAT>)"
                + " FROM ML_PREDICT(TABLE texts, MODEL best, DESCRIPTOR(text)" + config + ")");
        assertEquals(records.size(), best.size());
        assertEquals(2 * records.size(), ranked.size());

        List<String> labels = List.of("negative", "neutral", "positive"); // the fixture's config.json id2label
        for (int i = 0; i < records.size(); i++) {
            JsonNode want = records.get(i);
            String id = want.get("id").asText();
            float[] probabilities = Fixtures.floats(want.get("probabilities"));
            float max = Float.NEGATIVE_INFINITY;
            for (float p : probabilities) {
                max = Math.max(max, p);
            }
            for (Row row : List.of(best.get(i), ranked.get(i), ranked.get(i + records.size()))) {
                assertEquals(want.get("predicted_label").asText(), row.getFieldAs("label"), id);
                assertEquals(max, (float) row.getFieldAs("score"), TOLERANCE, id);
            }
            Map<String, Float> scores = ranked.get(i).getFieldAs("scores");
            assertEquals(probabilities.length, scores.size(), id + ": every class, not only the best");
            for (int c = 0; c < probabilities.length; c++) {
                assertEquals(probabilities[c], scores.get(labels.get(c)), TOLERANCE, id);
            }
        }
    }
}
