package dev.flinkalbert.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public type of the libraries (schemas, operators, the pipeline, the Prometheus reporter) says how stable it
 * is, with Flink's {@code @PublicEvolving} (an entry point users call) or {@code @Internal} (public for technical
 * reasons only). Flink's marks are not kept at run time, so this reads the sources. The generated Avro records, the
 * job classes, the command line and the demo are not library API and carry no mark.
 */
class StabilityMarksTest {

    private static final Pattern PUBLIC_TYPE = Pattern.compile(
            "^public (?:final |abstract |sealed |non-sealed )*(?:class|interface|enum|record|@interface) (\\w+)",
            Pattern.MULTILINE);
    private static final Pattern MARK = Pattern.compile("@(PublicEvolving|Internal)\\s*\\n(?:@\\w+(?:\\([^)]*\\))?\\s*\\n)*$");

    @Test
    void everyPublicLibraryTypeIsMarkedPublicEvolvingOrInternal() throws IOException {
        List<Path> roots = List.of(
                Path.of("../schemas/src/main/java"),
                Path.of("../operators/src/main/java"),
                Path.of("src/main/java/dev/flinkalbert/pipeline"),
                Path.of("prometheus-reporter/src/main/java"));
        List<String> unmarked = new ArrayList<>();
        int publicTypes = 0;
        for (Path root : roots) {
            assertTrue(Files.isDirectory(root), root.toAbsolutePath() + " (run from the jobs module)");
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    String source = Files.readString(file);
                    Matcher type = PUBLIC_TYPE.matcher(source);
                    if (!type.find()) {
                        continue;
                    }
                    publicTypes++;
                    if (!MARK.matcher(source.substring(0, type.start())).find()) {
                        unmarked.add(root.relativize(file).toString());
                    }
                }
            }
        }
        assertTrue(publicTypes > 80, "found only " + publicTypes + " public types: are the roots right?");
        assertEquals(List.of(), unmarked, "public types without @PublicEvolving or @Internal");
    }
}
