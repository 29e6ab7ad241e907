package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.inference.Outcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The shared batcher's pipeline: the flush thread prepares (tokenizes) the next batch while the engine thread runs
 * one, at most {@value SharedBatcher#BATCHES_IN_FLIGHT} batches are prepared or running, and the processor closes only
 * after the engine's last batch.
 */
class SharedBatcherPipelineTest {

    @Test
    void preparesTheNextBatchWhileTheEngineRunsOneAndClosesAfterIt(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        GatedProcessor processor = new GatedProcessor();
        BatchPolicy policy = BatchPolicy.of(2, Duration.ofMinutes(1), BatchPolicy.UNLIMITED_COST);
        SharedBatcher.Lease<String, String> lease = SharedBatcher.acquire(key, policy, 16, () -> processor);

        List<CompletableFuture<Outcome<String>>> futures = new ArrayList<>();
        for (String text : List.of("a", "b", "c", "d", "e", "f")) {
            futures.add(lease.submit(text, BatchMetrics.NONE)); // batches of 2: full at once, no linger
        }
        await(() -> processor.prepared.size() == 2, "the second batch is prepared while the first one runs");
        assertEquals(List.of("a,b", "c,d"), processor.prepared);
        assertEquals(List.of("a,b"), processor.started, "the engine is still in the first batch");
        assertFalse(futures.get(0).isDone());
        // The third batch waits for room: one running and one prepared are all that may be in flight.
        Thread.sleep(300);
        assertEquals(2, processor.prepared.size(), "at most " + SharedBatcher.BATCHES_IN_FLIGHT + " batches in flight");

        // Closing the last lease waits for the engine; the processor is not closed under a running batch.
        CompletableFuture<Void> closing = CompletableFuture.runAsync(lease::close);
        Thread.sleep(300);
        assertFalse(processor.closed.get(), "closed while the engine still runs a batch");
        processor.gate.countDown();
        closing.get(30, TimeUnit.SECONDS);

        List<String> results = new ArrayList<>();
        for (CompletableFuture<Outcome<String>> future : futures) {
            results.add(future.get(10, TimeUnit.SECONDS).value());
        }
        assertEquals(List.of("A", "B", "C", "D", "E", "F"), results);
        assertEquals(List.of("a,b", "c,d", "e,f"), processor.started, "run in the order they were flushed");
        assertTrue(processor.closed.get());
        assertEquals(List.of("shared-batcher-" + key), processor.prepareThreads.stream().distinct().toList());
        assertEquals(List.of("shared-batcher-engine-" + key), processor.runThreads.stream().distinct().toList());
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    /** Upper-cases; its first run waits for the gate, so that the test sees what happens beside a running batch. */
    private static final class GatedProcessor implements BatchProcessor<String, String> {
        final CountDownLatch gate = new CountDownLatch(1);
        final List<String> prepared = new CopyOnWriteArrayList<>();
        final List<String> started = new CopyOnWriteArrayList<>();
        final List<String> prepareThreads = new CopyOnWriteArrayList<>();
        final List<String> runThreads = new CopyOnWriteArrayList<>();
        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public List<Outcome<String>> process(List<String> batch) {
            return batch.stream().map(text -> Outcome.success(text.toUpperCase(Locale.ROOT))).toList();
        }

        @Override
        public PreparedBatch<String> prepare(List<String> batch) {
            prepared.add(String.join(",", batch));
            prepareThreads.add(Thread.currentThread().getName());
            return () -> {
                started.add(String.join(",", batch));
                runThreads.add(Thread.currentThread().getName());
                gate.await();
                return process(batch);
            };
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }
}
