package dev.flinkalbert.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.avro.NamedEntity;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Compares entities written by any output layer (Avro {@link NamedEntity}) with what transformers'
 * {@code pipeline("token-classification")} returned in {@code hf-albert-tiny/tokcls/pipeline-expected.jsonl}: label,
 * word, start and end exactly (the fixture counts code points, Java UTF-16 chars), score within 1e-4, the other
 * kind's fields null. Records marked {@code near_tie} may differ; the caller decides what to do with them.
 */
public final class PipelineEntities {

    private PipelineEntities() {}

    /** What differs between the pipeline's entities for {@code strategy} and {@code got}; empty when they agree. */
    public static List<String> differences(JsonNode record, String strategy, List<NamedEntity> got) {
        String text = record.get("text").asText();
        JsonNode want = record.get(strategy);
        List<String> problems = new ArrayList<>();
        if (want.size() != got.size()) {
            problems.add(want.size() + " entities expected, got " + got.size() + ": " + got);
        }
        for (int k = 0; k < Math.min(want.size(), got.size()); k++) {
            JsonNode w = want.get(k);
            NamedEntity g = got.get(k);
            boolean grouped = w.has("entity_group");
            boolean same = Objects.equals(grouped ? w.get("entity_group").asText() : null, g.getEntityGroup())
                    && Objects.equals(grouped ? null : w.get("entity").asText(), g.getEntity())
                    && Objects.equals(grouped ? null : w.get("index").asInt(), g.getIndex())
                    && w.get("word").asText().equals(g.getWord())
                    && text.offsetByCodePoints(0, w.get("start").asInt()) == g.getStart()
                    && text.offsetByCodePoints(0, w.get("end").asInt()) == g.getEnd()
                    && Math.abs(w.get("score").asDouble() - g.getScore()) <= 1e-4;
            if (!same) {
                problems.add("entity " + k + " expected " + w + ", got " + g);
            }
        }
        return problems;
    }

    /** Whether the fixture marks this record as a near tie (two labels within rounding), where results may differ. */
    public static boolean nearTie(JsonNode record) {
        return record.get("near_tie").asBoolean();
    }
}
