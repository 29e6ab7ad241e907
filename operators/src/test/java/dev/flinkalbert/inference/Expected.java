package dev.flinkalbert.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.testing.Fixtures;

/** The encoder's view of the Hugging Face reference records of the shared fixtures ({@code expected.jsonl}). */
final class Expected {

    private Expected() {}

    /** The record's {@code input_ids} and {@code token_type_ids} as one encoder input row. */
    static EncodedRow row(JsonNode record) {
        return new EncodedRow(Fixtures.ints(record.get("input_ids")), Fixtures.ints(record.get("token_type_ids")));
    }
}
