package dev.flinkalbert.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;

/** The records of {@code hf-albert-tiny/<model>/expected.jsonl} and helpers to feed them to a model. */
public final class HfFixtureRecords {

    private HfFixtureRecords() {}

    /** The records of a JSON-lines fixture, as {@link Fixtures#jsonLines(Path)} reads them. */
    public static List<JsonNode> read(Path expectedJsonl) {
        return Fixtures.jsonLines(expectedJsonl);
    }

    public static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    /** One field of several records as a right-padded int64 {@code [B, maxLength]} array (padding 0). */
    public static NDArray padded(NDManager manager, List<JsonNode> records, String field) {
        int max = records.stream().mapToInt(r -> r.get(field).size()).max().orElse(0);
        long[] data = new long[records.size() * max];
        for (int b = 0; b < records.size(); b++) {
            long[] row = longs(records.get(b).get(field));
            System.arraycopy(row, 0, data, b * max, row.length);
        }
        return manager.create(data, new ai.djl.ndarray.types.Shape(records.size(), max));
    }

    public static double maxAbsDiff(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        }
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs((double) expected[i] - actual[i]));
            if (Float.isNaN(actual[i])) {
                return Double.NaN;
            }
        }
        return max;
    }
}
