package dev.flinkalbert.inference;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads the fields of the Hugging Face reference records of the shared fixtures ({@code expected.jsonl} and the like). */
final class Expected {

    private Expected() {}

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    static EncodedRow row(JsonNode record) {
        return new EncodedRow(ints(record.get("input_ids")), ints(record.get("token_type_ids")));
    }
}
