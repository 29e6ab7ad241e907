package dev.flinkalbert.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.avro.NamedEntity;
import dev.flinkalbert.testing.Fixtures;
import dev.flinkalbert.testing.PipelineEntities;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code 'task' = 'ner'}: {@code ML_PREDICT}'s {@code entities} column equals what transformers'
 * token-classification pipeline returned for the fixture's 150 texts (the reference {@code ./albert predict} is
 * tested against too), with the options {@code aggregation} and {@code ignore-labels}; wrong declarations and
 * options fail at planning with the fix.
 */
class NerSqlTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final Path DIR = Fixtures.require("hf-albert-tiny/tokcls");

    private static TableEnvironment tableEnvironment(List<JsonNode> records) {
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        env.getConfig().set("parallelism.default", "2");
        List<Row> inputs = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            inputs.add(Row.of(i, records.get(i).get("text").asText()));
        }
        env.createTemporaryView("texts", env.fromValues(DataTypes.ROW(
                DataTypes.FIELD("id", DataTypes.INT()),
                DataTypes.FIELD("text", DataTypes.STRING())), inputs));
        return env;
    }

    @Test
    void groupedEntitiesEqualThePipelines() throws Exception {
        List<JsonNode> records = Fixtures.jsonLines(DIR.resolve("pipeline-expected.jsonl"));
        TableEnvironment env = tableEnvironment(records);
        env.executeSql("CREATE MODEL tagger INPUT (text STRING)"
                + " OUTPUT (entities ARRAY<ROW<entity_group STRING, score DOUBLE, word STRING, `start` INT,"
                + " `end` INT>>, error STRING)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + DIR + "', 'task' = 'ner',"
                + " 'aggregation' = 'simple', 'stride' = '16')");
        Map<Integer, Row> got = AlbertSqlTest.collect(env,
                "SELECT id, entities, error FROM ML_PREDICT(TABLE texts, MODEL tagger, DESCRIPTOR(text))");
        assertEquals(records.size(), got.size());
        int entities = compare(records, got, "simple", new String[] {"entity_group", "score", "word", "start", "end"});
        assertEquals(1187, entities, "the pipeline's simple entities (checks.json)");

        // docs/sql.md's query: one row per entity with UNNEST
        long unnested = 0;
        try (var rows = env.executeSql("SELECT id, e.entity_group, e.word, e.score FROM ML_PREDICT(TABLE texts,"
                + " MODEL tagger, DESCRIPTOR(text)) CROSS JOIN UNNEST(entities) AS e(entity_group, score, word,"
                + " `start`, `end`)").collect()) {
            while (rows.hasNext()) {
                assertTrue(rows.next().getField(2) != null);
                unnested++;
            }
        }
        assertEquals(1187, unnested);
    }

    @Test
    void tokenEntitiesEqualThePipelinesInAnyFieldOrder() throws Exception {
        List<JsonNode> records = Fixtures.jsonLines(DIR.resolve("pipeline-expected.jsonl"));
        TableEnvironment env = tableEnvironment(records);
        env.executeSql("CREATE MODEL tokens INPUT (text STRING)"
                + " OUTPUT (entities ARRAY<ROW<`index` INT, word STRING, entity STRING, `end` INT, score FLOAT,"
                + " `start` INT, entity_group STRING>>)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + DIR + "')");
        Map<Integer, Row> got = AlbertSqlTest.collect(env, "SELECT id, entities, CAST(NULL AS STRING) AS error"
                + " FROM ML_PREDICT(TABLE texts, MODEL tokens, DESCRIPTOR(text), MAP['async', 'true'])");
        int entities = compare(records, got, "none",
                new String[] {"index", "word", "entity", "end", "score", "start", "entity_group"});
        assertEquals(1254, entities, "the pipeline's token entities (checks.json)");
    }

    /**
     * {@code ignore-labels} as the pipeline's {@code ignore_labels}, which it applies to the grouped entities: the
     * pipeline's {@code first} entities without the MISC ones.
     */
    @Test
    void ignoredGroupsAreLeftOutAsThePipelineLeavesThemOut() throws Exception {
        List<JsonNode> records = Fixtures.jsonLines(DIR.resolve("pipeline-expected.jsonl"));
        List<JsonNode> withoutMisc = new ArrayList<>();
        int misc = 0;
        for (JsonNode record : records) {
            ObjectNode copy = record.deepCopy();
            ArrayNode kept = copy.putArray("first");
            for (JsonNode entity : record.get("first")) {
                if (entity.get("entity_group").asText().equals("MISC")) {
                    misc++;
                } else {
                    kept.add(entity);
                }
            }
            withoutMisc.add(copy);
        }
        assertTrue(misc > 0, "the fixture has MISC entities to leave out");
        TableEnvironment env = tableEnvironment(records);
        env.executeSql("CREATE MODEL no_misc INPUT (text STRING)"
                + " OUTPUT (entities ARRAY<ROW<entity_group STRING, score DOUBLE, word STRING, `start` INT,"
                + " `end` INT>>)"
                + " WITH ('provider' = 'albert', 'model-directory' = '" + DIR + "', 'aggregation' = 'first',"
                + " 'ignore-labels' = 'O;MISC')");
        Map<Integer, Row> got = AlbertSqlTest.collect(env, "SELECT id, entities, CAST(NULL AS STRING) AS error"
                + " FROM ML_PREDICT(TABLE texts, MODEL no_misc, DESCRIPTOR(text))");
        compare(withoutMisc, got, "first", new String[] {"entity_group", "score", "word", "start", "end"});
    }

    @Test
    void wrongDeclarationsAndOptionsFailAtPlanning() throws Exception {
        TableEnvironment env = tableEnvironment(Fixtures.jsonLines(DIR.resolve("pipeline-expected.jsonl")));
        String with = " WITH ('provider' = 'albert', 'model-directory' = '" + DIR + "'";
        assertPlanningFails(env, "CREATE MODEL labels INPUT (text STRING) OUTPUT (label STRING)" + with + ")",
                "ALBERT ner model columns do not fit its task: unknown output column 'label'",
                "entities ARRAY<ROW<entity_group STRING, entity STRING, score FLOAT or DOUBLE, word STRING");
        assertPlanningFails(env, "CREATE MODEL strict INPUT (text STRING)"
                        + " OUTPUT (entities ARRAY<ROW<entity STRING NOT NULL, score FLOAT>>)" + with + ")",
                "output column 'entities' is ARRAY<ROW<`entity` STRING NOT NULL, `score` FLOAT>>, expected");
        assertPlanningFails(env, "CREATE MODEL mean INPUT (text STRING) OUTPUT (entities ARRAY<ROW<word STRING>>)"
                        + with + ", 'aggregation' = 'mean')",
                "unknown aggregation \"mean\": use one of none, simple, first, average, max");
        assertPlanningFails(env, "CREATE MODEL dates INPUT (text STRING) OUTPUT (entities ARRAY<ROW<word STRING>>)"
                        + with + ", 'ignore-labels' = 'O;DATE')",
                "ignoreLabels [DATE] name no label of the model");
        assertPlanningFails(env, "CREATE MODEL wide INPUT (text STRING) OUTPUT (entities ARRAY<ROW<word STRING>>)"
                        + with + ", 'max-length' = '64', 'stride' = '62')",
                "stride must be between 0 and maxLength - 3 = 61");
        assertPlanningFails(env, "CREATE MODEL topk INPUT (text STRING) OUTPUT (entities ARRAY<ROW<word STRING>>)"
                        + with + ", 'top-k' = '2')",
                "is a ner model: remove 'top-k' applies to [classify, qa] models");
    }

    /** Compares every row's entities (fields in {@code fields}' order) with the pipeline's; returns their number. */
    private static int compare(List<JsonNode> records, Map<Integer, Row> got, String strategy, String[] fields) {
        List<String> nearTies = new ArrayList<>();
        int entities = 0;
        for (int i = 0; i < records.size(); i++) {
            JsonNode record = records.get(i);
            Row row = got.get(i);
            assertNull(row.getField(2), "error of " + i);
            List<NamedEntity> entityList = new ArrayList<>();
            for (Row entity : (Row[]) row.getField(1)) {
                entityList.add(namedEntity(entity, fields));
            }
            List<String> problems = PipelineEntities.differences(record, strategy, entityList);
            if (!problems.isEmpty() && PipelineEntities.nearTie(record)) {
                nearTies.add(record.get("index") + ": " + problems.get(0));
            } else {
                assertEquals(List.of(), problems, strategy + " of " + record.get("index"));
            }
            entities += record.get(strategy).size();
        }
        System.out.println(strategy + ": near-tie records that differ (allowed): " + nearTies);
        return entities;
    }

    private static NamedEntity namedEntity(Row row, String[] fields) {
        NamedEntity.Builder entity = NamedEntity.newBuilder().setScore(0f).setWord("").setStart(-1).setEnd(-1);
        for (int f = 0; f < fields.length; f++) {
            Object value = row.getField(f);
            switch (fields[f]) {
                case "entity_group" -> entity.setEntityGroup((String) value);
                case "entity" -> entity.setEntity((String) value);
                case "score" -> entity.setScore(((Number) value).floatValue());
                case "word" -> entity.setWord((String) value);
                case "start" -> entity.setStart((Integer) value);
                case "end" -> entity.setEnd((Integer) value);
                case "index" -> entity.setIndex((Integer) value);
                default -> throw new AssertionError(fields[f]);
            }
        }
        return entity.build();
    }

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
}
