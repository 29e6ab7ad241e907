package dev.flinkalbert.flink;

import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.inference.Outcome;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.annotation.Internal;

/**
 * One batcher per JVM (per TaskManager) that many callers feed, so that one accelerator sees full batches even when
 * each Flink subtask alone would give small ones. Callers {@link #acquire} a {@link Lease} by name and
 * {@link Lease#submit} records one at a time; a single flush thread builds batches by the {@link BatchPolicy}
 * (count, linger after the first queued record, cost budget), runs them with failure bisection and completes each
 * record's future with its {@link Outcome}. The processor is created by the first lease and closed with the last.
 *
 * <p>Memory is bounded: the queue holds at most {@code queueCapacity} records and {@link Lease#submit} blocks while
 * it is full, which backpressures the caller. Independent of Flink's DataStream API: {@link SharedBatchFunction}
 * wires it into {@code AsyncDataStream}, and a SQL {@code AsyncPredictFunction} can use it the same way.
 *
 * <p>The registry is static, so it is shared by all classes loaded by one class loader: on a session cluster put the
 * jar in Flink's {@code lib/} to share a batcher across jobs; otherwise each job has its own.
 *
 * <pre>{@code
 * try (SharedBatcher.Lease<String, Integer> lease =
 *         SharedBatcher.acquire("lengths", BatchPolicy.defaults(), 256, () -> batch -> ...)) {
 *     lease.submit("some text", BatchMetrics.NONE).thenAccept(outcome -> ...);
 * }
 * }</pre>
 */
@Internal
public final class SharedBatcher<IN, OUT> {

    private static final Logger LOG = LoggerFactory.getLogger(SharedBatcher.class);
    /** How often an idle flush thread checks whether it is closed. */
    private static final long IDLE_POLL_MILLIS = 100;
    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MILLIS);
    private static final Map<String, Slot> REGISTRY = new HashMap<>();

    private final String name;
    private final BatchPolicy policy;
    private final int queueCapacity;
    private final BatchProcessor<IN, OUT> processor;
    private final BatchRunner<IN, OUT> runner;
    private final BlockingQueue<Request<IN, OUT>> queue;
    private final Thread flushThread;
    private volatile boolean closing;

    private SharedBatcher(String name, BatchPolicy policy, int queueCapacity, BatchProcessor<IN, OUT> processor) {
        this.name = name;
        this.policy = policy;
        this.queueCapacity = queueCapacity;
        this.processor = processor;
        this.runner = new BatchRunner<>(processor);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.flushThread = new Thread(this::flushLoop, "shared-batcher-" + name);
        this.flushThread.setDaemon(true);
    }

    /**
     * Joins the batcher called {@code name}, creating it (and its processor, from {@code factory}) if no lease holds
     * it. Every caller of one name must ask for the same policy and queue capacity.
     *
     * @param queueCapacity the most records waiting for a batch, across all callers
     * @throws IllegalStateException when the batcher runs with another policy or queue capacity
     */
    @SuppressWarnings("unchecked")
    public static <IN, OUT> Lease<IN, OUT> acquire(
            String name, BatchPolicy policy, int queueCapacity, BatchProcessorFactory<IN, OUT> factory)
            throws Exception {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(factory, "factory");
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1, got " + queueCapacity);
        }
        Slot slot;
        boolean creating;
        synchronized (REGISTRY) {
            slot = REGISTRY.get(name);
            creating = slot == null;
            if (creating) {
                slot = new Slot(policy, queueCapacity);
                REGISTRY.put(name, slot);
            } else if (!slot.policy.equals(policy) || slot.queueCapacity != queueCapacity) {
                throw new IllegalStateException("shared batcher '" + name + "' already runs with " + slot.policy
                        + " and queue capacity " + slot.queueCapacity + "; this caller asks for " + policy
                        + " and " + queueCapacity + ": use the same settings or another batcher name");
            }
            slot.leases++;
        }
        if (creating) {
            // The processor (a model, seconds to open) is made outside the registry's lock, once: other callers of
            // this name wait for it, callers of other names do not wait at all.
            SharedBatcher<IN, OUT> batcher;
            try {
                batcher = new SharedBatcher<>(name, policy, queueCapacity, factory.create());
            } catch (Exception | Error e) {
                synchronized (REGISTRY) {
                    REGISTRY.remove(name, slot); // the next caller tries again
                }
                slot.batcher.completeExceptionally(e);
                throw e;
            }
            batcher.flushThread.start();
            slot.batcher.complete(batcher);
            return new Lease<>(slot, batcher);
        }
        try {
            return new Lease<>(slot, (SharedBatcher<IN, OUT>) slot.batcher.join());
        } catch (CompletionException e) {
            // Creating the processor failed in the caller that started it: the same failure here.
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** The dead-letter stage of a record that failed with {@code error}, as the processor says. */
    public FailureStage failureStage(Exception error) {
        return processor.failureStage(error);
    }

    /** Records waiting for a batch now (for a gauge). */
    public int queued() {
        return queue.size();
    }

    private CompletableFuture<Outcome<OUT>> submit(IN record, BatchMetrics metrics) throws InterruptedException {
        CompletableFuture<Outcome<OUT>> future = new CompletableFuture<>();
        long cost;
        try {
            cost = processor.cost(record);
        } catch (RuntimeException e) {
            future.complete(Outcome.failure(e));
            metrics.deadLetter();
            return future;
        }
        Request<IN, OUT> request = new Request<>(record, cost, metrics, future, System.nanoTime());
        while (!queue.offer(request, IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
            if (closing) {
                future.completeExceptionally(new IllegalStateException("shared batcher '" + name + "' is closed"));
                break;
            }
        }
        return future;
    }

    private static void release(Slot slot, SharedBatcher<?, ?> batcher) {
        synchronized (REGISTRY) {
            if (--slot.leases > 0) {
                return;
            }
            REGISTRY.remove(batcher.name, slot);
        }
        batcher.stop();
    }

    private void stop() {
        closing = true;
        try {
            flushThread.join(); // it processes what is queued, then closes the processor
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the flush thread still finishes and closes on its own
        }
    }

    /** Builds batches from the queue until closed and drained. */
    private void flushLoop() {
        Request<IN, OUT> carried = null;
        try {
            while (true) {
                Request<IN, OUT> first =
                        carried != null ? carried : queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                carried = null;
                if (first == null) {
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                List<Request<IN, OUT>> batch = new ArrayList<>(policy.maxRecords());
                batch.add(first);
                long cost = first.cost;
                long deadline = first.queuedNanos + TimeUnit.MILLISECONDS.toNanos(policy.maxLingerMillis());
                while (!policy.isFull(batch.size(), cost)) {
                    long remaining = deadline - System.nanoTime();
                    // Past the deadline, still take what is already queued: a backlog makes full batches.
                    Request<IN, OUT> next = remaining > 0
                            ? queue.poll(Math.min(remaining, IDLE_POLL_NANOS), TimeUnit.NANOSECONDS)
                            : queue.poll();
                    if (next == null) {
                        if (remaining <= 0 || closing) {
                            break; // linger over, or closing: no one is left to add records
                        }
                        continue;
                    }
                    if (policy.overflows(batch.size(), cost, next.cost)) {
                        carried = next;
                        break;
                    }
                    batch.add(next);
                    cost += next.cost;
                }
                flush(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failAll(carried);
            closeProcessor();
        }
    }

    /** The flush thread owns the processor once started: only it calls it, so only it closes it. */
    private void closeProcessor() {
        try {
            processor.close();
        } catch (Exception e) {
            LOG.warn("Closing the processor of shared batcher '{}' failed", name, e);
        }
    }

    private void flush(List<Request<IN, OUT>> batch) throws InterruptedException {
        long now = System.nanoTime();
        List<IN> values = new ArrayList<>(batch.size());
        for (Request<IN, OUT> request : batch) {
            request.metrics.flushed(request.cost, now - request.queuedNanos);
            values.add(request.record);
        }
        List<Outcome<OUT>> outcomes;
        try {
            outcomes = runner.run(values, new FanOutMetrics(batch));
        } catch (RuntimeException | Error e) {
            // A broken processor (not a bad record): fail these records' futures, which fails their jobs.
            LOG.error("Shared batcher '{}' failed on a batch of {} records", name, batch.size(), e);
            batch.forEach(request -> request.future.completeExceptionally(e));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Outcome<OUT> outcome = outcomes.get(i);
            if (!outcome.isSuccess()) {
                batch.get(i).metrics.deadLetter();
            }
            batch.get(i).future.complete(outcome);
        }
    }

    /** On an interrupted flush thread: nobody will complete what is left. */
    private void failAll(Request<IN, OUT> carried) {
        List<Request<IN, OUT>> left = new ArrayList<>();
        if (carried != null) {
            left.add(carried);
        }
        queue.drainTo(left);
        IllegalStateException closed = new IllegalStateException("shared batcher '" + name + "' stopped");
        left.forEach(request -> request.future.completeExceptionally(closed));
    }

    /** A caller's handle on a shared batcher; closing the last lease closes the batcher and its processor. */
    public static final class Lease<IN, OUT> implements AutoCloseable {

        private final Slot slot;
        private final SharedBatcher<IN, OUT> batcher;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Slot slot, SharedBatcher<IN, OUT> batcher) {
            this.slot = slot;
            this.batcher = batcher;
        }

        /**
         * Queues a record, blocking while the queue is full. The future completes with the record's outcome (a
         * failed outcome for a record that failed), or exceptionally when the processor broke or the batcher closed.
         *
         * @param metrics where this record's queue wait, its batches and its dead letter are reported
         */
        public CompletableFuture<Outcome<OUT>> submit(IN record, BatchMetrics metrics) throws InterruptedException {
            if (closed.get()) {
                throw new IllegalStateException("this lease on shared batcher '" + batcher.name + "' is closed");
            }
            return batcher.submit(record, metrics);
        }

        /** The batcher itself, e.g. for {@link SharedBatcher#queued()}. */
        public SharedBatcher<IN, OUT> batcher() {
            return batcher;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release(slot, batcher);
            }
        }
    }

    /** A name's batcher, being created or running, with its settings and how many leases hold it. */
    private static final class Slot {
        final BatchPolicy policy;
        final int queueCapacity;
        final CompletableFuture<SharedBatcher<?, ?>> batcher = new CompletableFuture<>();
        int leases; // guarded by REGISTRY

        Slot(BatchPolicy policy, int queueCapacity) {
            this.policy = policy;
            this.queueCapacity = queueCapacity;
        }
    }

    private record Request<IN, OUT>(
            IN record, long cost, BatchMetrics metrics, CompletableFuture<Outcome<OUT>> future, long queuedNanos) {}

    /** Reports each processor call to every caller with a record in the batch, once. */
    private static final class FanOutMetrics implements BatchMetrics {

        private final List<BatchMetrics> targets = new ArrayList<>();

        FanOutMetrics(List<? extends Request<?, ?>> batch) {
            for (Request<?, ?> request : batch) {
                if (!targets.contains(request.metrics)) {
                    targets.add(request.metrics);
                }
            }
        }

        @Override
        public void processed(int batchSize, long latencyNanos, double paddingRatio) {
            targets.forEach(target -> target.processed(batchSize, latencyNanos, paddingRatio));
        }

        @Override
        public void flushed(long cost, long queueWaitNanos) {
            throw new UnsupportedOperationException("flushes are reported per record");
        }

        @Override
        public void deadLetter() {
            throw new UnsupportedOperationException("dead letters are reported per record");
        }
    }
}
