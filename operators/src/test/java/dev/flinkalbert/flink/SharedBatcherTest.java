package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.inference.Outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The shared batcher on its own, without Flink: registry, batch rules, failures and the bounded queue. */
class SharedBatcherTest {

    private static final Duration LINGER = Duration.ofMillis(500);

    @Test
    void sharesOneProcessorPerNameAndClosesItWithTheLastLease(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        BatchProcessorFactory<String, String> factory = UpperCaseProcessor.factory(key);
        BatchPolicy policy = BatchPolicy.of(4, LINGER, BatchPolicy.UNLIMITED_COST);

        SharedBatcher.Lease<String, String> first = SharedBatcher.acquire(key, policy, 8, factory);
        SharedBatcher.Lease<String, String> second = SharedBatcher.acquire(key, policy, 8, factory);
        assertSame(first.batcher(), second.batcher());
        assertEquals(1, UpperCaseProcessor.created(key));

        first.close();
        first.close(); // a lease releases once
        assertEquals(1, UpperCaseProcessor.open(key), "still used by the second lease");
        assertEquals("X", second.submit("x", BatchMetrics.NONE).get(10, TimeUnit.SECONDS).value());
        second.close();
        assertEquals(0, UpperCaseProcessor.open(key), "closed with the last lease");
        assertThrows(IllegalStateException.class, () -> second.submit("y", BatchMetrics.NONE));

        try (SharedBatcher.Lease<String, String> again = SharedBatcher.acquire(key, policy, 8, factory)) {
            assertEquals("Z", again.submit("z", BatchMetrics.NONE).get(10, TimeUnit.SECONDS).value());
            assertEquals(2, UpperCaseProcessor.created(key), "a new batcher after the last lease closed");
        }
    }

    @Test
    void refusesOtherSettingsUnderTheSameName(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        BatchProcessorFactory<String, String> factory = UpperCaseProcessor.factory(key);
        try (SharedBatcher.Lease<String, String> lease =
                SharedBatcher.acquire(key, BatchPolicy.of(4, LINGER, 100), 8, factory)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SharedBatcher.acquire(key, BatchPolicy.of(8, LINGER, 100), 8, factory));
            assertTrue(e.getMessage().contains("use the same settings or another batcher name"), e.getMessage());
            assertEquals(1, UpperCaseProcessor.created(key));
            assertEquals("X", lease.submit("x", BatchMetrics.NONE).get(10, TimeUnit.SECONDS).value(), "still serves");
        }
    }

    @Test
    void flushesAtBatchSizeAndAfterLinger(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        List<String> results = submitAll(key, BatchPolicy.of(4, LINGER, BatchPolicy.UNLIMITED_COST), false,
                List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"));

        assertEquals(List.of("A", "B", "C", "D", "E", "F", "G", "H", "I", "J"), results);
        assertEquals(List.of(4, 4, 2), UpperCaseProcessor.calls(key), "the last two wait for the linger");
    }

    @Test
    void flushesBeforeTheCostBudgetWouldOverflow(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        List<String> results = submitAll(key, BatchPolicy.of(100, LINGER, 10), true,
                List.of("aaaa", "bbbb", "cc", "ddddd", "eee", "ffffff", "gggggg"));

        assertEquals(List.of("AAAA", "BBBB", "CC", "DDDDD", "EEE", "FFFFFF", "GGGGGG"), results);
        assertEquals(List.of(3, 2, 1, 1), UpperCaseProcessor.calls(key));
    }

    @Test
    void isolatesFailingRecords(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        List<String> results = submitAll(key, BatchPolicy.of(4, LINGER, BatchPolicy.UNLIMITED_COST), false,
                List.of("a", "boom", "bad-c", "d"));

        assertEquals(List.of("A", "INFERENCE, java.lang.IllegalStateException: cannot process 'boom'",
                "TOKENIZE, java.lang.IllegalArgumentException: bad text: bad-c", "D"), results);
        // [a boom bad-c d] throws; [a boom] throws: [a] ok, [boom] fails alone; [bad-c d] ok (bad-c fails alone).
        assertEquals(List.of(4, 2, 1, 1, 2), UpperCaseProcessor.calls(key));
    }

    @Test
    void submitBlocksWhileTheQueueIsFull(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BatchProcessorFactory<String, String> blocking = () -> batch -> {
            entered.countDown();
            release.await();
            return batch.stream().map(Outcome::success).toList();
        };
        try (SharedBatcher.Lease<String, String> lease =
                SharedBatcher.acquire(key, BatchPolicy.of(1, LINGER, BatchPolicy.UNLIMITED_COST), 2, blocking)) {
            try {
                List<CompletableFuture<Outcome<String>>> futures = new ArrayList<>();
                futures.add(lease.submit("r1", BatchMetrics.NONE));
                assertTrue(entered.await(10, TimeUnit.SECONDS), "r1 is being processed");
                // r2 is taken as the next batch and prepared while r1 runs (2 batches in flight: the flush thread
                // takes no more); r3 and r4 fill the queue of 2.
                futures.add(lease.submit("r2", BatchMetrics.NONE));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (lease.batcher().queued() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                futures.add(lease.submit("r3", BatchMetrics.NONE));
                futures.add(lease.submit("r4", BatchMetrics.NONE));
                assertEquals(2, lease.batcher().queued(), "the queue is full");

                CompletableFuture<CompletableFuture<Outcome<String>>> fifth = CompletableFuture.supplyAsync(() -> {
                    try {
                        return lease.submit("r5", BatchMetrics.NONE);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(200);
                assertFalse(fifth.isDone(), "submit waits for room in the queue");
                assertEquals(2, lease.batcher().queued());

                release.countDown();
                futures.add(fifth.get(10, TimeUnit.SECONDS));
                List<String> results = new ArrayList<>();
                for (CompletableFuture<Outcome<String>> future : futures) {
                    results.add(future.get(10, TimeUnit.SECONDS).value());
                }
                assertEquals(List.of("r1", "r2", "r3", "r4", "r5"), results);
            } finally {
                release.countDown(); // a failed assertion must not leave the engine blocked under close()
            }
        }
    }

    /** Submits all texts at once through one lease; returns each outcome's value or description, in order. */
    private static List<String> submitAll(String key, BatchPolicy policy, boolean costIsLength, List<String> texts)
            throws Exception {
        BatchProcessorFactory<String, String> factory = UpperCaseProcessor.factory(key, costIsLength, 0);
        try (SharedBatcher.Lease<String, String> lease = SharedBatcher.acquire(key, policy, 64, factory)) {
            List<CompletableFuture<Outcome<String>>> futures = new ArrayList<>();
            for (String text : texts) {
                futures.add(lease.submit(text, BatchMetrics.NONE));
            }
            List<String> results = new ArrayList<>();
            for (CompletableFuture<Outcome<String>> future : futures) {
                Outcome<String> outcome = future.get(10, TimeUnit.SECONDS);
                results.add(outcome.isSuccess() ? outcome.value()
                        : lease.batcher().failureStage(outcome.error()) + ", " + outcome.error());
            }
            return results;
        }
    }
}
