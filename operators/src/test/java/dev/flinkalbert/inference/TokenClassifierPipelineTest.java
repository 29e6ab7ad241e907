package dev.flinkalbert.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token classifier against transformers 4.57's {@code pipeline("token-classification")} recorded on the tiny
 * NER model ({@code hf-albert-tiny/tokcls}): for 150 texts and the five aggregation strategies, the same entities
 * (label, word, start, end exactly; score within 1e-4), both through ONNX Runtime and from the stored logits; and
 * 20 long texts tagged in windows of 64 tokens with a stride of 16. The fixture's offsets count Python code points;
 * the API's count UTF-16 chars. Records marked {@code near_tie} (two labels within 1e-4 somewhere) may differ
 * legitimately: their differences are printed, not failed on.
 */
class TokenClassifierPipelineTest {

    private static final double SCORE_TOLERANCE = 1e-4;
    private static final List<EntityAggregation> STRATEGIES = List.of(EntityAggregation.values());

    private static Path dir;
    private static AlbertModel model;
    private static List<JsonNode> records;
    private static List<JsonNode> longTexts;

    @BeforeAll
    static void open() {
        dir = Fixtures.require("hf-albert-tiny/tokcls");
        model = AlbertModel.builder().modelDirectory(dir).build();
        records = Fixtures.jsonLines(dir.resolve("pipeline-expected.jsonl"));
        longTexts = Fixtures.jsonLines(dir.resolve("pipeline-windows-expected.jsonl"));
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void theModelIsRecognisedAsTokenClassificationWithItsLabels() {
        assertEquals(ModelTask.TOKEN_CLASSIFICATION, model.task());
        assertEquals(List.of("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"),
                model.labels());
        assertEquals(150, records.size());
        assertEquals(20, longTexts.size());
    }

    @Test
    void everyStrategyGivesThePipelinesEntitiesThroughOnnxRuntime() {
        List<TextInput> inputs = records.stream().map(r -> TextInput.of(r.get("text").asText())).toList();
        List<String> nearTieDifferences = new ArrayList<>();
        int compared = 0;
        for (EntityAggregation strategy : STRATEGIES) {
            try (TokenClassifier tagger = model.tokenClassifier().aggregation(strategy).build()) {
                List<Outcome<TokenClassification>> outcomes = tagger.predict(inputs);
                for (int i = 0; i < records.size(); i++) {
                    JsonNode record = records.get(i);
                    TokenClassification result = outcomes.get(i).value();
                    assertEquals(1, result.windows());
                    compared += compare(record, record.get(strategy.pipelineName()), result.entities(), strategy,
                            nearTieDifferences);
                }
            }
        }
        assertEquals(1254 + 1187 + 487 + 405 + 420, compared, "entities compared (checks.json's counts)");
        System.out.println("near-tie records that differ (allowed): " + nearTieDifferences);
    }

    @Test
    void everyStrategyGivesThePipelinesEntitiesFromTheStoredLogits() {
        List<String> nearTieDifferences = new ArrayList<>();
        for (EntityAggregation strategy : STRATEGIES) {
            TokenClassificationHead head = new TokenClassificationHead(model.labels(), strategy, Set.of("O"),
                    model.tokenizer()::piece, model.tokenizer().unkId());
            for (JsonNode record : records) {
                String text = record.get("text").asText();
                int[] ids = Fixtures.ints(record.get("input_ids"));
                int[] starts = new int[ids.length];
                int[] ends = new int[ids.length];
                boolean[] special = new boolean[ids.length];
                float[][] probabilities = new float[ids.length][];
                for (int p = 0; p < ids.length; p++) {
                    JsonNode offsets = record.get("offsets").get(p);
                    starts[p] = text.offsetByCodePoints(0, offsets.get(0).asInt());
                    ends[p] = text.offsetByCodePoints(0, offsets.get(1).asInt());
                    special[p] = p == 0 || p == ids.length - 1;
                    probabilities[p] = softmax(Fixtures.floats(record.get("logits").get(p)));
                }
                List<Entity> entities = head.merge(List.of(head.window(text, ids, starts, ends, special,
                        probabilities, 0)));
                compare(record, record.get(strategy.pipelineName()), entities, strategy, nearTieDifferences);
            }
        }
        System.out.println("near-tie records that differ (allowed): " + nearTieDifferences);
    }

    @Test
    void inputsAndPerTokenProbabilitiesEqualTheFixture() {
        List<TextInput> inputs = records.stream().map(r -> TextInput.of(r.get("text").asText())).toList();
        try (TokenClassifier tagger = model.tokenClassifier().build()) {
            List<Outcome<TokenClassification>> outcomes = tagger.predict(inputs);
            double worst = 0;
            for (int i = 0; i < records.size(); i++) {
                JsonNode record = records.get(i);
                String text = record.get("text").asText();
                int[] ids = Fixtures.ints(record.get("input_ids"));
                assertArrayEquals(ids, model.tokenizer().encode(text).ids(), "ids of dev " + record.get("index"));
                float[][] probabilities = outcomes.get(i).value().probabilities();
                assertEquals(ids.length - 2, probabilities.length, "one row per piece");
                for (int p = 1; p < ids.length - 1; p++) {
                    float[] expected = softmax(Fixtures.floats(record.get("logits").get(p)));
                    for (int k = 0; k < expected.length; k++) {
                        worst = Math.max(worst, Math.abs(expected[k] - probabilities[p - 1][k]));
                    }
                }
            }
            assertTrue(worst <= SCORE_TOLERANCE, "largest probability difference " + worst);
        }
    }

    @Test
    void longTextsInWindowsGiveThePipelinesEntities() {
        List<TextInput> inputs = longTexts.stream().map(r -> TextInput.of(r.get("text").asText())).toList();
        int compared = 0;
        for (EntityAggregation strategy : List.of(EntityAggregation.SIMPLE, EntityAggregation.FIRST,
                EntityAggregation.AVERAGE, EntityAggregation.MAX)) {
            try (TokenClassifier tagger = model.tokenClassifier().aggregation(strategy).maxLength(64).stride(16)
                    .build()) {
                List<Outcome<TokenClassification>> outcomes = tagger.predict(inputs);
                for (int i = 0; i < longTexts.size(); i++) {
                    JsonNode record = longTexts.get(i);
                    TokenClassification result = outcomes.get(i).value();
                    int pieces = record.get("num_pieces").asInt();
                    assertEquals(1 + (pieces - 62 + 45) / 46, result.windows(), "windows of " + pieces + " pieces");
                    assertTrue(result.windows() >= 3, "several windows");
                    assertEquals(pieces, result.probabilities().length);
                    compared += compare(record, record.get(strategy.pipelineName()), result.entities(), strategy,
                            null);
                }
            }
        }
        assertTrue(compared > 1000, "entities compared: " + compared);
    }

    /**
     * The long texts' entities against the same text's windows tagged one at a time (each window's ids run alone
     * through the model, its entities read with the whole text's offsets): nothing is invented, nothing reported
     * twice, and every entity a window found is in the result unless the merge kept a longer or as long and more
     * confident one over the same characters.
     */
    @Test
    void windowsTaggedOneAtATimeGiveTheSameEntitiesWithoutDuplicates() throws Exception {
        int displaced = 0;
        for (EntityAggregation strategy : STRATEGIES) {
            TokenClassificationHead head = new TokenClassificationHead(model.labels(), strategy, Set.of("O"),
                    model.tokenizer()::piece, model.tokenizer().unkId());
            try (TokenClassifier tagger = model.tokenClassifier().aggregation(strategy).maxLength(64).stride(16)
                    .build();
                    AlbertEncoder encoder = model.encoder(1, 64)) {
                for (JsonNode record : longTexts) {
                    String text = record.get("text").asText();
                    List<Entity> merged = tagger.predict(List.of(TextInput.of(text))).get(0).value().entities();
                    List<List<Entity>> alone = windowsAlone(text, head, encoder);
                    assertTrue(alone.size() >= 3);
                    for (int i = 1; i < merged.size(); i++) {
                        Entity before = merged.get(i - 1);
                        Entity e = merged.get(i);
                        if (strategy.grouped()) {
                            assertTrue(e.start() >= before.end(), "overlapping entities " + before + " " + e);
                        } else {
                            assertTrue(e.index() > before.index(), "token reported twice " + before + " " + e);
                        }
                    }
                    List<Entity> found = new ArrayList<>();
                    alone.forEach(found::addAll);
                    for (Entity e : merged) {
                        assertTrue(found.contains(e), "not found by any window alone: " + e);
                    }
                    for (Entity e : found) {
                        if (merged.contains(e)) {
                            continue;
                        }
                        displaced++;
                        assertTrue(merged.stream().anyMatch(m -> keptOver(m, e, strategy)),
                                strategy + ": " + e + " is missing and nothing kept covers it");
                    }
                }
            }
        }
        assertTrue(displaced > 0, "the overlaps had entities found twice");
    }

    @Test
    void aMismatchedModelOrSettingIsRefusedWithTheFix() {
        IllegalStateException wrongTask = assertThrows(IllegalStateException.class,
                () -> model.classifier().build());
        assertTrue(wrongTask.getMessage().startsWith("a classifier needs a CLASSIFICATION model, but "),
                wrongTask.getMessage());
        assertTrue(wrongTask.getMessage().contains("is a TOKEN_CLASSIFICATION model (outputs [logits])"),
                wrongTask.getMessage());
        try (AlbertModel seqcls = AlbertModel.builder().modelDirectory(Fixtures.require("hf-albert-tiny/seqcls"))
                .build()) {
            assertEquals(ModelTask.CLASSIFICATION, seqcls.task());
            String message = assertThrows(IllegalStateException.class,
                    () -> seqcls.tokenClassifier().build()).getMessage();
            assertTrue(message.startsWith("a token classifier needs a TOKEN_CLASSIFICATION model, but "), message);
        }
        String stride = assertThrows(IllegalArgumentException.class,
                () -> model.tokenClassifier().maxLength(64).stride(62).build()).getMessage();
        assertEquals("stride must be between 0 and maxLength - 3 = 61 (a window holds maxLength - 2 pieces), got 62",
                stride);
        String ignore = assertThrows(IllegalArgumentException.class,
                () -> model.tokenClassifier().ignoreLabels(Set.of("O", "DATE")).build()).getMessage();
        assertTrue(ignore.startsWith("ignoreLabels [DATE] name no label of the model"), ignore);
        String unknown = assertThrows(IllegalArgumentException.class,
                () -> EntityAggregation.of("mean")).getMessage();
        assertEquals("unknown aggregation \"mean\": use one of none, simple, first, average, max", unknown);
        assertEquals(EntityAggregation.AVERAGE, EntityAggregation.of("Average"));
    }

    @Test
    void labelsThatDoNotFitThePerTokenLogitsAreRefusedAtStartUp(@TempDir Path temp) throws Exception {
        for (String file : List.of(AlbertModel.MODEL_FILE, AlbertModel.TOKENIZER_FILE)) {
            Files.copy(dir.resolve(file), temp.resolve(file));
        }
        Files.writeString(temp.resolve("config.json"), Files.readString(Fixtures.require(
                "hf-albert-tiny/seqcls/config.json")), StandardCharsets.UTF_8);
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> AlbertModel.builder().modelDirectory(temp).build().close());
        assertTrue(e.getMessage().contains("config.json id2label has 3 labels [negative, neutral, positive] but"
                + " model.onnx output \"logits\" has 9 columns"), e.getMessage());
    }

    @Test
    void aMaskedLanguageModelHeadIsNotTakenForTokenLabels(@TempDir Path temp) throws Exception {
        Files.copy(dir.resolve(AlbertModel.TOKENIZER_FILE), temp.resolve(AlbertModel.TOKENIZER_FILE));
        Files.writeString(temp.resolve("config.json"), "{\"max_position_embeddings\": 512, \"hidden_size\": 64}",
                StandardCharsets.UTF_8);
        new OnnxGraphWriter().input("input_ids", OnnxGraphWriter.INT64, "batch", "sequence")
                .input("attention_mask", OnnxGraphWriter.INT64, "batch", "sequence")
                .input("scores", OnnxGraphWriter.FLOAT, "batch", "sequence", 30000L)
                .identity("scores", "logits").write(temp.resolve(AlbertModel.MODEL_FILE));
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> AlbertModel.builder().modelDirectory(temp).build().close());
        assertTrue(e.getMessage().contains("model.onnx output \"logits\" is [batch, sequence, 30000] and config.json"
                + " has no id2label: that is a masked-LM head"), e.getMessage());
    }

    @Test
    void aBadInputFailsAloneAndIgnoredLabelsAreConfigurable() {
        // a text with both entities and O tokens
        String text = records.stream().filter(r -> !r.get("simple").isEmpty()
                && r.get("none").size() < r.get("input_ids").size() - 2).findFirst().orElseThrow()
                .get("text").asText();
        try (TokenClassifier tagger = model.tokenClassifier().aggregation(EntityAggregation.SIMPLE).build();
                TokenClassifier everything = model.tokenClassifier().aggregation(EntityAggregation.SIMPLE)
                        .ignoreLabels(Set.of()).build()) {
            List<Outcome<TokenClassification>> out = tagger.predict(List.of(TextInput.pair(text, "second"),
                    new TextInput(null, null), TextInput.of(text), TextInput.of("")));
            TokenClassification empty = out.get(3).value();
            assertEquals(List.of(), empty.entities());
            assertEquals(0, empty.probabilities().length);
            assertEquals(1, empty.windows());
            assertTrue(out.get(0).error().getMessage().startsWith("token classification tags one text"));
            assertEquals("the input text is null", out.get(1).error().getMessage());
            List<Entity> entities = out.get(2).value().entities();
            assertTrue(!entities.isEmpty() && entities.stream().noneMatch(e -> e.label().equals("O")));
            List<Entity> withO = everything.predict(List.of(TextInput.of(text))).get(0).value().entities();
            assertTrue(withO.stream().anyMatch(e -> e.label().equals("O")));
            assertEquals(entities, withO.stream().filter(e -> !e.label().equals("O")).toList());
        }
    }

    /** Compares one record's entities; returns how many were compared. */
    private static int compare(JsonNode record, JsonNode expected, List<Entity> actual, EntityAggregation strategy,
            List<String> nearTieDifferences) {
        String text = record.get("text").asText();
        String where = strategy.pipelineName() + " of " + (record.has("index") ? "dev " + record.get("index")
                : "long text " + record.get("num_pieces") + " pieces");
        List<String> problems = new ArrayList<>();
        if (expected.size() != actual.size()) {
            problems.add(expected.size() + " entities expected, got " + actual.size() + ": " + actual);
        }
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            JsonNode want = expected.get(i);
            Entity got = actual.get(i);
            String label = strategy.grouped() ? want.get("entity_group").asText() : want.get("entity").asText();
            int start = text.offsetByCodePoints(0, want.get("start").asInt());
            int end = text.offsetByCodePoints(0, want.get("end").asInt());
            boolean same = label.equals(got.label()) && want.get("word").asText().equals(got.word())
                    && start == got.start() && end == got.end()
                    && Math.abs(want.get("score").asDouble() - got.score()) <= SCORE_TOLERANCE
                    && (strategy.grouped() ? got.index() == -1 : want.get("index").asInt() == got.index());
            if (!same) {
                problems.add("entity " + i + " expected " + want + ", got " + got);
            }
        }
        if (!problems.isEmpty()) {
            if (nearTieDifferences != null && record.path("near_tie").asBoolean(false)) {
                nearTieDifferences.add(where + ": " + problems.get(0));
            } else {
                assertEquals(List.of(), problems, where);
            }
        }
        return expected.size();
    }

    /** Each window of the text ([CLS] + 62 pieces + [SEP], every 46 pieces) run alone and read by the head. */
    private static List<List<Entity>> windowsAlone(String text, TokenClassificationHead head, AlbertEncoder encoder)
            throws Exception {
        dev.flinkalbert.tokenizer.Encoding whole = model.tokenizer().encode(text);
        int pieces = whole.length() - 2;
        List<List<Entity>> out = new ArrayList<>();
        for (int from = 0; ; from += 46) {
            int to = Math.min(from + 62, pieces);
            int n = to - from + 2;
            int[] ids = new int[n];
            int[] starts = new int[n];
            int[] ends = new int[n];
            boolean[] special = new boolean[n];
            ids[0] = model.tokenizer().clsId();
            ids[n - 1] = model.tokenizer().sepId();
            special[0] = true;
            special[n - 1] = true;
            for (int p = 1; p < n - 1; p++) {
                ids[p] = whole.ids()[from + p];
                starts[p] = whole.starts()[from + p];
                ends[p] = whole.ends()[from + p];
            }
            float[][] probabilities = encoder.encode(List.of(new EncodedRow(ids, null)), (outputs, row) -> {
                float[][] rows = new float[n][];
                for (int p = 0; p < n; p++) {
                    rows[p] = softmax(outputs.tokenVector("logits", row, p));
                }
                return rows;
            }).get(0);
            out.add(head.window(text, ids, starts, ends, special, probabilities, from));
            if (to == pieces) {
                return out;
            }
        }
    }

    /** Whether the merge rule keeps {@code kept} over {@code dropped}. */
    private static boolean keptOver(Entity kept, Entity dropped, EntityAggregation strategy) {
        if (!strategy.grouped()) {
            return kept.index() == dropped.index() && kept.score() >= dropped.score();
        }
        boolean overlap = kept.start() < dropped.end() && dropped.start() < kept.end();
        int keptLength = kept.end() - kept.start();
        int droppedLength = dropped.end() - dropped.start();
        return overlap && (keptLength > droppedLength || keptLength == droppedLength
                && kept.score() >= dropped.score());
    }

    /** numpy's softmax of the pipeline, in double. */
    private static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int k = 0; k < logits.length; k++) {
            e[k] = Math.exp(logits[k] - max);
            sum += e[k];
        }
        float[] out = new float[logits.length];
        for (int k = 0; k < logits.length; k++) {
            out[k] = (float) (e[k] / sum);
        }
        return out;
    }
}
