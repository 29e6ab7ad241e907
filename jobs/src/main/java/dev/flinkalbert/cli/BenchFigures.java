package dev.flinkalbert.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** What every {@code ./albert bench …} command does with its figures: medians of the repeats, a JSON file. */
final class BenchFigures {

    static final ObjectMapper JSON = new ObjectMapper();

    private BenchFigures() {}

    /** A new JSON object for the figures of {@code benchmark}. */
    static ObjectNode root(String benchmark) {
        return JSON.createObjectNode().put("benchmark", benchmark);
    }

    /** Writes the figures to {@code jsonOut} (its folders made) and says where on {@code out}. */
    static void write(ObjectNode root, Path jsonOut, PrintWriter out) throws IOException {
        Path parent = jsonOut.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(jsonOut.toFile(), root);
        out.println("figures written to " + jsonOut);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
