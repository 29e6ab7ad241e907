package dev.flinkalbert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's commands and the docs' SQL examples point at files a clone has: every {@code testdata/...} path they
 * name exists (a model directory with its three files), and none points outside the repository at
 * {@code ../shared}, which only the development machines have.
 */
class DocumentedPathsTest {

    private static final Pattern TESTDATA = Pattern.compile("testdata/[A-Za-z0-9._/-]*[A-Za-z0-9_]");

    @Test
    void everyTestdataPathTheDocsNameExists() throws Exception {
        Path root = Fixtures.repositoryRoot();
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("ARCHITECTURE.md")));
        try (Stream<Path> files = Stream.concat(Files.list(root.resolve("docs")), Files.list(root.resolve("docs/examples")))) {
            files.filter(p -> p.toString().endsWith(".md") || p.toString().endsWith(".sql")).forEach(docs::add);
        }
        List<String> missing = new ArrayList<>();
        int named = 0;
        for (Path doc : docs) {
            String text = Files.readString(doc);
            assertTrue(!text.contains("../shared/fixtures"), doc + " points at ../shared/fixtures; use testdata/");
            Matcher m = TESTDATA.matcher(text);
            while (m.find()) {
                named++;
                Path p = root.resolve(m.group());
                boolean ok = Files.exists(p) && (!Files.isDirectory(p) || !p.getParent().endsWith("hf-albert-tiny")
                        || Stream.of("model.onnx", "config.json", "spiece.model").allMatch(f -> Files.isRegularFile(p.resolve(f))));
                if (!ok) {
                    missing.add(root.relativize(doc) + ": " + m.group());
                }
            }
        }
        assertTrue(named >= 8, "expected the docs to name the test models, found " + named + " paths");
        assertEquals(List.of(), missing);
    }
}
