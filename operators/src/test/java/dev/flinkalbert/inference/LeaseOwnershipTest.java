package dev.flinkalbert.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Who owns a session, under concurrency and failure: a lease closed by two threads at once releases once; callers
 * that ask at once for a session no one holds share one opening; a constructor that fails returns its lease.
 */
class LeaseOwnershipTest {

    private static final float TOLERANCE = 1e-4f;
    /** seqcls single-00 (ｈｅｌｌｏ) from the fixture's expected.jsonl, tokens [CLS] ▁hello [SEP]. */
    private static final float[] HELLO_LOGITS = {0.10735768f, 0.22803587f, 0.0014284522f};
    private static final int ROUNDS = 500;

    @Test
    void twoThreadsClosingOneLeaseReleaseItOnceAndTheSessionStaysOpenForItsOtherHolders() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        Path file = dir.resolve(AlbertModel.MODEL_FILE);
        SessionSettings settings = SessionSettings.defaults();
        int before = SharedSessions.users(file, settings);
        ExecutorService closers = Executors.newFixedThreadPool(2);
        try (AlbertModel holder = AlbertModel.builder().modelDirectory(dir).sessionSettings(settings).build();
                AlbertEncoder encoder = holder.encoder(4, 256)) {
            int held = before + 2; // the model and its encoder
            assertEquals(held, SharedSessions.users(file, settings));
            for (int round = 0; round < ROUNDS; round++) {
                SharedSessions.Lease shared = SharedSessions.acquire(file, settings);
                assertEquals(held + 1, SharedSessions.users(file, settings));
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<?>> closes = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    closes.add(closers.submit(() -> {
                        together.await(10, TimeUnit.SECONDS);
                        shared.close();
                        return null;
                    }));
                }
                for (Future<?> close : closes) {
                    close.get(10, TimeUnit.SECONDS);
                }
                assertEquals(held, SharedSessions.users(file, settings), "round " + round + ": released twice");
            }
            // The session the holders use is still open and still answers as Hugging Face did.
            float[] logits = encoder.encode(List.of(new EncodedRow(new int[] {2, 10975, 3}, new int[3])),
                    (out, row) -> out.vector("logits", row)).get(0);
            assertArrayEquals(HELLO_LOGITS, logits, TOLERANCE);
        } finally {
            closers.shutdownNow();
        }
        assertEquals(before, SharedSessions.users(file, settings));
    }

    @Test
    void callersAskingAtOnceShareOneOpening() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        Path file = dir.resolve(AlbertModel.MODEL_FILE);
        // Settings no other test uses, so that no one holds this session yet.
        SessionSettings settings = new SessionSettings("cpu", 3, 1, SessionSettings.DEFAULT_OPTIMIZATION_LEVEL);
        assertEquals(0, SharedSessions.users(file, settings));
        int callers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<SharedSessions.Lease> leases = new ArrayList<>();
        try {
            CyclicBarrier together = new CyclicBarrier(callers);
            List<Future<SharedSessions.Lease>> acquired = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                acquired.add(pool.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    return SharedSessions.acquire(file, settings);
                }));
            }
            for (Future<SharedSessions.Lease> lease : acquired) {
                leases.add(lease.get(60, TimeUnit.SECONDS));
            }
            assertEquals(callers, SharedSessions.users(file, settings));
            assertEquals(1, leases.stream().filter(SharedSessions.Lease::created).count(), "opened once");
            for (SharedSessions.Lease lease : leases) {
                assertSame(leases.get(0).session(), lease.session());
            }
        } finally {
            leases.forEach(SharedSessions.Lease::close);
            pool.shutdownNow();
        }
        assertEquals(0, SharedSessions.users(file, settings));
    }

    @Test
    void aPredictorWhoseConstructionFailsReturnsItsLease() {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        Path file = dir.resolve(AlbertModel.MODEL_FILE);
        SessionSettings settings = SessionSettings.defaults();
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build()) {
            int before = SharedSessions.users(file, settings);
            // The encoder takes its lease, then finds the graph has no such output.
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> model.encoder(Set.of("no_such_output"), 4, 256));
            assertEquals(true, missing.getMessage().contains("no_such_output"), missing.getMessage());
            assertEquals(before, SharedSessions.users(file, settings));
            assertThrows(IllegalArgumentException.class, () -> model.classifier().topK(0).build());
            assertThrows(IllegalArgumentException.class, () -> model.classifier().maxBatchSize(0).build());
            assertEquals(before, SharedSessions.users(file, settings));
            try (Classifier classifier = model.classifier().build()) {
                assertEquals(before + 1, SharedSessions.users(file, settings));
            }
            assertEquals(before, SharedSessions.users(file, settings));
        }
    }

    @Test
    void tokenizersAskedForAtOnceAreReadOnce() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        int callers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CyclicBarrier together = new CyclicBarrier(callers);
            List<Future<dev.flinkalbert.tokenizer.AlbertTokenizer>> read = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                read.add(pool.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    return SharedTokenizers.of(dir);
                }));
            }
            dev.flinkalbert.tokenizer.AlbertTokenizer first = read.get(0).get(60, TimeUnit.SECONDS);
            for (Future<dev.flinkalbert.tokenizer.AlbertTokenizer> tokenizer : read) {
                assertSame(first, tokenizer.get(60, TimeUnit.SECONDS));
            }
            // ▁hello is 10975 in albert-base-v2's vocabulary (the fixture's expected.jsonl).
            assertArrayEquals(new int[] {2, 10975, 3}, first.encode("hello", 16).ids());
        } finally {
            pool.shutdownNow();
        }
    }
}
