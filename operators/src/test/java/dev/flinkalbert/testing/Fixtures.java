package dev.flinkalbert.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the reference fixtures live ({@code testdata/} at the repository root, made with Hugging Face
 * {@code transformers} and SentencePiece; {@code testdata/README.md} says how), and how their JSON records are read.
 * Tests that need one call {@link #require(String)}, which fails the test, naming the path, when it is absent: a
 * parity test that skips itself proves nothing.
 */
public final class Fixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    /**
     * The fixtures folder: the {@code flinkalbert.fixtures} system property (Surefire sets it to the repository's
     * {@code testdata}), else {@code testdata} in the repository root, found upwards from the working directory.
     */
    public static Path root() {
        String configured = System.getProperty("flinkalbert.fixtures");
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath().normalize();
        }
        return repositoryRoot().resolve("testdata");
    }

    /** A path under the fixtures folder; fails the calling test, saying what to do, when it does not exist. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new AssertionError("missing test fixture " + p + ": the tests read the files committed under "
                    + "testdata/ (see testdata/README.md); restore them with 'git checkout -- testdata', or point "
                    + "-Dflinkalbert.fixtures at a folder that holds " + relative);
        }
        return p;
    }

    /** The records of a JSON-lines fixture ({@code expected.jsonl} and the like), blank lines skipped. */
    public static List<JsonNode> jsonLines(Path jsonl) {
        try {
            List<JsonNode> records = new ArrayList<>();
            for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    records.add(JSON.readTree(line));
                }
            }
            return records;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON array of integers (token ids, lengths) as an {@code int[]}. */
    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** A JSON array of numbers (logits, hidden states) as a {@code float[]}. */
    public static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    /** The repository root (the {@code flinkalbert.root} system property, else the nearest folder with mvnw). */
    public static Path repositoryRoot() {
        String configured = System.getProperty("flinkalbert.root");
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath().normalize();
        }
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("mvnw")) && Files.exists(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root from " + Paths.get("").toAbsolutePath());
    }
}
