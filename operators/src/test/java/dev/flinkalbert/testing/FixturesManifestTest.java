package dev.flinkalbert.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code testdata/README.md} tells the truth: its sha256 table lists every fixture file, each with the hash of its
 * bytes, and the model folders' {@code spiece.model} links point where the table says.
 */
class FixturesManifestTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| ([^|]+) \\| `([0-9a-f]{64})` \\|$");
    private static final Pattern LINK = Pattern.compile("link to `([^`]+)`");

    @Test
    void everyFileIsListedWithItsSha256() throws Exception {
        Path root = Fixtures.root();
        Map<String, String[]> table = new TreeMap<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(Fixtures.require("README.md"))) {
            inTable |= line.startsWith("## sha256");
            Matcher m = ROW.matcher(line.strip());
            if (inTable && m.matches()) {
                table.put(m.group(1), new String[] {m.group(2).strip(), m.group(3)});
            }
        }
        assertFalse(table.isEmpty(), "no sha256 table in " + root.resolve("README.md"));

        TreeSet<String> present = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> !Files.isDirectory(p)).map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(name -> !name.equals("README.md")).forEach(present::add);
        }
        assertEquals(table.keySet(), present, "files under " + root + " vs the table in its README.md");

        for (Map.Entry<String, String[]> row : table.entrySet()) {
            Path file = root.resolve(row.getKey());
            Matcher link = LINK.matcher(row.getValue()[0]);
            if (link.matches()) {
                assertTrue(Files.isSymbolicLink(file), row.getKey() + " should be a link to " + link.group(1));
                assertEquals(link.group(1), Files.readSymbolicLink(file).toString().replace('\\', '/'), row.getKey());
            } else {
                assertEquals(Long.parseLong(row.getValue()[0].replace(",", "")), Files.size(file), row.getKey());
            }
            assertEquals(row.getValue()[1], sha256(file), row.getKey());
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new IOException("cannot read " + file, e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
