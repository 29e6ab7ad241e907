package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The shared batcher's registry under concurrency: processors are made once per name, outside the global lock. */
class SharedBatcherOwnershipTest {

    private static final BatchPolicy POLICY = BatchPolicy.of(4, Duration.ofMillis(50), BatchPolicy.UNLIMITED_COST);

    @Test
    void aSlowProcessorOfOneNameDoesNotHoldUpAnotherName(TestInfo test) throws Exception {
        String slowName = MicroBatchOperatorTest.key(test) + "-slow";
        String otherName = MicroBatchOperatorTest.key(test) + "-other";
        CountDownLatch creating = new CountDownLatch(1);
        CountDownLatch otherAcquired = new CountDownLatch(1);
        BatchProcessorFactory<String, String> slowInner = UpperCaseProcessor.factory(slowName);
        // Creating the slow processor waits until the other name has been acquired: with a lock held around the
        // creation, that acquisition could not happen and the wait would run out.
        BatchProcessorFactory<String, String> slow = () -> {
            creating.countDown();
            if (!otherAcquired.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the other batcher was not acquired while this one was created");
            }
            return slowInner.create();
        };
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<SharedBatcher.Lease<String, String>> slowLease =
                    pool.submit(() -> SharedBatcher.acquire(slowName, POLICY, 8, slow));
            assertTrue(creating.await(60, TimeUnit.SECONDS));
            try (SharedBatcher.Lease<String, String> other =
                    SharedBatcher.acquire(otherName, POLICY, 8, UpperCaseProcessor.factory(otherName))) {
                otherAcquired.countDown();
                assertEquals("B", other.submit("b", BatchMetrics.NONE).get(30, TimeUnit.SECONDS).value());
            }
            try (SharedBatcher.Lease<String, String> lease = slowLease.get(60, TimeUnit.SECONDS)) {
                assertEquals("A", lease.submit("a", BatchMetrics.NONE).get(30, TimeUnit.SECONDS).value());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, UpperCaseProcessor.open(slowName));
        assertEquals(0, UpperCaseProcessor.open(otherName));
    }

    @Test
    void callersOfOneNameAtOnceShareOneProcessor(TestInfo test) throws Exception {
        String name = MicroBatchOperatorTest.key(test);
        BatchProcessorFactory<String, String> inner = UpperCaseProcessor.factory(name);
        BatchProcessorFactory<String, String> slow = () -> {
            Thread.sleep(200); // a model opening: the other callers arrive meanwhile
            return inner.create();
        };
        int callers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<SharedBatcher.Lease<String, String>> leases = new ArrayList<>();
        try {
            CyclicBarrier together = new CyclicBarrier(callers);
            List<Future<SharedBatcher.Lease<String, String>>> acquired = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                acquired.add(pool.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    return SharedBatcher.acquire(name, POLICY, 8, slow);
                }));
            }
            for (Future<SharedBatcher.Lease<String, String>> lease : acquired) {
                leases.add(lease.get(60, TimeUnit.SECONDS));
            }
            assertEquals(1, UpperCaseProcessor.created(name));
            for (SharedBatcher.Lease<String, String> lease : leases) {
                assertSame(leases.get(0).batcher(), lease.batcher());
            }
        } finally {
            leases.forEach(SharedBatcher.Lease::close);
            pool.shutdownNow();
        }
        assertEquals(0, UpperCaseProcessor.open(name), "closed with the last lease");
    }

    @Test
    void aFactoryThatFailsFailsEveryWaitingCallerAndTheNextCallerTriesAgain(TestInfo test) throws Exception {
        String name = MicroBatchOperatorTest.key(test);
        AtomicInteger attempts = new AtomicInteger();
        BatchProcessorFactory<String, String> broken = () -> {
            attempts.incrementAndGet();
            Thread.sleep(200);
            throw new IllegalStateException("no model here: set the model directory");
        };
        int callers = 3;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CyclicBarrier together = new CyclicBarrier(callers);
            List<Future<SharedBatcher.Lease<String, String>>> acquired = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                acquired.add(pool.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    return SharedBatcher.acquire(name, POLICY, 8, broken);
                }));
            }
            for (Future<SharedBatcher.Lease<String, String>> lease : acquired) {
                ExecutionException failed = assertThrows(ExecutionException.class,
                        () -> lease.get(60, TimeUnit.SECONDS));
                assertTrue(failed.getCause().getMessage().contains("set the model directory"),
                        failed.getCause().toString());
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(attempts.get() >= 1 && attempts.get() <= callers, "attempts: " + attempts.get());
        try (SharedBatcher.Lease<String, String> lease =
                SharedBatcher.acquire(name, POLICY, 8, UpperCaseProcessor.factory(name))) {
            assertEquals("C", lease.submit("c", BatchMetrics.NONE).get(30, TimeUnit.SECONDS).value());
        }
    }
}
