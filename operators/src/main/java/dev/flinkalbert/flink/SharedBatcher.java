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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.annotation.Internal;

/**
 * One batcher per JVM (per TaskManager) that many callers feed, so that one accelerator sees full batches even when
 * each Flink subtask alone would give small ones. Callers {@link #acquire} a {@link Lease} by name and
 * {@link Lease#submit} records one at a time; a single flush thread builds batches by the {@link BatchPolicy}
 * (count, linger after the first queued record, cost budget) and prepares each ({@link BatchProcessor#prepare}, e.g.
 * tokenizes it); an engine thread runs the prepared batches in order, with failure bisection, and completes each
 * record's future with its {@link Outcome}. While the engine (ONNX Runtime on the CPU or a GPU) runs one batch, the
 * flush thread prepares the next; at most {@value #BATCHES_IN_FLIGHT} batches are prepared or running, beyond that
 * the flush thread waits, the queue fills and {@link Lease#submit} blocks. The processor is created by the first lease
 * and closed with the last, after the engine thread's last batch.
 *
 * <p>A batch does not wait out its linger when no record can join it: when every lease has its whole in-flight
 * allowance ({@link #acquire(String, BatchPolicy, int, int, BatchProcessorFactory) inFlightLimit}, the async
 * operator's capacity) waiting here, or has said that its input ended ({@link Lease#endOfInput()}), the batch is
 * flushed at once ({@link FlushReason#NO_MORE_INPUT}). Otherwise one subtask with 64 records in flight and a flush
 * size of 128 would wait out the linger on every batch. A lease with an unknown allowance (0) disables this rule.
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
    /**
     * Batches prepared or in the engine at once, as the pipelined operator's default: one running while the next is
     * tokenized, so that an accelerator does not wait for the CPU between batches.
     */
    static final int BATCHES_IN_FLIGHT = MicroBatching.DEFAULT_BATCHES_IN_FLIGHT;

    private final String name;
    private final BatchPolicy policy;
    private final int queueCapacity;
    private final BatchProcessor<IN, OUT> processor;
    private final BatchRunner<IN, OUT> runner;
    private final BlockingQueue<Request<IN, OUT>> queue;
    private final Thread flushThread;
    /** Runs prepared batches, one at a time, while the flush thread builds and prepares the next. */
    private final ExecutorService engineThread;
    /** Batches prepared or running on the engine thread; the flush thread waits for one to free up. */
    private final Semaphore batchesInFlight = new Semaphore(BATCHES_IN_FLIGHT);
    /** The leases now holding this batcher: whether all are saturated decides an early flush. */
    private final List<Lease<IN, OUT>> leases = new CopyOnWriteArrayList<>();
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
        this.engineThread = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "shared-batcher-engine-" + name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** An in-flight allowance that is not known (e.g. SQL's): batches of such a batcher flush by count and linger. */
    public static final int UNKNOWN_IN_FLIGHT = 0;

    /**
     * {@link #acquire(String, BatchPolicy, int, int, BatchProcessorFactory)} for a caller whose in-flight allowance is
     * not known ({@link #UNKNOWN_IN_FLIGHT}).
     */
    public static <IN, OUT> Lease<IN, OUT> acquire(
            String name, BatchPolicy policy, int queueCapacity, BatchProcessorFactory<IN, OUT> factory)
            throws Exception {
        return acquire(name, policy, queueCapacity, UNKNOWN_IN_FLIGHT, factory);
    }

    /**
     * Joins the batcher called {@code name}, creating it (and its processor, from {@code factory}) if no lease holds
     * it. Every caller of one name must ask for the same policy and queue capacity.
     *
     * @param queueCapacity the most records waiting for a batch, across all callers
     * @param inFlightLimit the most records this caller can have submitted and not completed at once (the async
     *     operator's capacity), or {@link #UNKNOWN_IN_FLIGHT}
     * @throws IllegalStateException when the batcher runs with another policy or queue capacity
     */
    @SuppressWarnings("unchecked")
    public static <IN, OUT> Lease<IN, OUT> acquire(String name, BatchPolicy policy, int queueCapacity,
            int inFlightLimit, BatchProcessorFactory<IN, OUT> factory) throws Exception {
        Objects.requireNonNull(name, "name");
        if (inFlightLimit < 0) {
            throw new IllegalArgumentException("inFlightLimit must be at least 0 (unknown), got " + inFlightLimit);
        }
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
            return batcher.join(slot, inFlightLimit);
        }
        try {
            return ((SharedBatcher<IN, OUT>) slot.batcher.join()).join(slot, inFlightLimit);
        } catch (CompletionException e) {
            // Creating the processor failed in the caller that started it: the same failure here.
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    private Lease<IN, OUT> join(Slot slot, int inFlightLimit) {
        Lease<IN, OUT> lease = new Lease<>(slot, this, inFlightLimit);
        leases.add(lease);
        return lease;
    }

    /** Whether no record can come before the queued ones complete: every lease is saturated. */
    private boolean noMoreInput() {
        for (Lease<IN, OUT> lease : leases) {
            if (!lease.saturated()) {
                return false;
            }
        }
        return true;
    }

    /** Wakes a flush thread that waits for a record, so that it re-checks {@link #noMoreInput()}. */
    private void wake() {
        queue.offer(wakeUp()); // a full queue needs no wake-up: the flush thread is not waiting
    }

    @SuppressWarnings("unchecked")
    private Request<IN, OUT> wakeUp() {
        return (Request<IN, OUT>) WAKE_UP;
    }

    /** The dead-letter stage of a record that failed with {@code error}, as the processor says. */
    public FailureStage failureStage(Exception error) {
        return processor.failureStage(error);
    }

    /** Records waiting for a batch now (for a gauge). */
    public int queued() {
        return queue.size();
    }

    private CompletableFuture<Outcome<OUT>> submit(Lease<IN, OUT> lease, IN record, BatchMetrics metrics)
            throws InterruptedException {
        CompletableFuture<Outcome<OUT>> future = new CompletableFuture<>();
        long cost;
        try {
            cost = processor.cost(record);
        } catch (RuntimeException e) {
            future.complete(Outcome.failure(e));
            metrics.deadLetter();
            return future;
        }
        Request<IN, OUT> request = new Request<>(lease, record, cost, metrics, future, System.nanoTime());
        // Counted before it is queued, so that the flush thread never sees it completed before it was counted.
        lease.inFlight.incrementAndGet();
        while (!queue.offer(request, IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
            if (closing) {
                lease.inFlight.decrementAndGet();
                future.completeExceptionally(new IllegalStateException("shared batcher '" + name + "' is closed"));
                break;
            }
        }
        return future;
    }

    private static <IN, OUT> void release(Slot slot, SharedBatcher<IN, OUT> batcher, Lease<IN, OUT> lease) {
        batcher.leases.remove(lease);
        batcher.wake(); // the others may all be saturated now
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
                // Room among the batches in flight first: while there is none, records wait in the queue (and
                // callers block when it is full) instead of in a batch that is built but cannot be handed over.
                batchesInFlight.acquire();
                boolean handedOver = false;
                try {
                    Request<IN, OUT> first =
                            carried != null ? carried : queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                    carried = null;
                    if (first == WAKE_UP) {
                        continue;
                    }
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
                    FlushReason reason = FlushReason.FULL;
                    while (!policy.isFull(batch.size(), cost)) {
                        // Take what is already queued first: a backlog makes full batches, past the deadline too.
                        Request<IN, OUT> next = queue.poll();
                        if (next == null) {
                            if (noMoreInput()) {
                                reason = FlushReason.NO_MORE_INPUT;
                                break;
                            }
                            long remaining = deadline - System.nanoTime();
                            if (remaining <= 0 || closing) {
                                reason = closing ? FlushReason.DRAIN : FlushReason.LINGER;
                                break; // linger over, or closing: no one is left to add records
                            }
                            next = queue.poll(Math.min(remaining, IDLE_POLL_NANOS), TimeUnit.NANOSECONDS);
                            if (next == null) {
                                continue;
                            }
                        }
                        if (next == WAKE_UP) {
                            continue;
                        }
                        if (policy.overflows(batch.size(), cost, next.cost)) {
                            carried = next;
                            break;
                        }
                        batch.add(next);
                        cost += next.cost;
                    }
                    flush(batch, reason);
                    handedOver = true;
                } finally {
                    if (!handedOver) {
                        batchesInFlight.release();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failAll(carried);
            stopEngineThread();
            closeProcessor();
        }
    }

    /** Lets the engine thread finish the batches handed to it (their futures complete), then ends it. */
    private void stopEngineThread() {
        engineThread.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (engineThread.awaitTermination(1, TimeUnit.SECONDS)) {
                    break;
                }
                LOG.info("Shared batcher '{}' waits for its engine thread to finish a batch", name);
            } catch (InterruptedException e) {
                interrupted = true; // the processor must not close under a running batch: wait on
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The flush and engine threads own the processor once started; the flush thread closes it after both. */
    private void closeProcessor() {
        try {
            processor.close();
        } catch (Exception e) {
            LOG.warn("Closing the processor of shared batcher '{}' failed", name, e);
        }
    }

    /**
     * Prepares the batch on the flush thread (which holds a permit of {@link #batchesInFlight} for it) and hands it to
     * the engine thread, which runs it, completes the records' futures and gives the permit back.
     */
    private void flush(List<Request<IN, OUT>> batch, FlushReason reason) throws InterruptedException {
        long now = System.nanoTime();
        List<IN> values = new ArrayList<>(batch.size());
        FanOutMetrics metrics = new FanOutMetrics(batch);
        metrics.batchFlushed(reason);
        for (Request<IN, OUT> request : batch) {
            request.metrics.flushed(request.cost, now - request.queuedNanos);
            values.add(request.record);
        }
        BatchProcessor.PreparedBatch<OUT> prepared;
        try {
            prepared = processor.prepare(values); // while the engine thread runs the previous batch
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            prepared = () -> {
                throw e; // the engine thread bisects the batch with process()
            };
        }
        BatchProcessor.PreparedBatch<OUT> work = prepared;
        try {
            engineThread.execute(() -> {
                try {
                    complete(batch, values, work, metrics);
                } finally {
                    batchesInFlight.release();
                }
            });
        } catch (RejectedExecutionException e) {
            // only after stopEngineThread, which runs once the flush loop has ended
            throw new IllegalStateException("shared batcher '" + name + "' handed a batch to a stopped engine", e);
        }
    }

    /** Runs a prepared batch (engine thread) and completes its records' futures. */
    private void complete(List<Request<IN, OUT>> batch, List<IN> values, BatchProcessor.PreparedBatch<OUT> work,
            FanOutMetrics metrics) {
        List<Outcome<OUT>> outcomes;
        try {
            outcomes = runner.run(values, work, metrics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failBatch(batch, new IllegalStateException("shared batcher '" + name + "' was interrupted", e));
            return;
        } catch (RuntimeException | Error e) {
            // A broken processor (not a bad record): fail these records' futures, which fails their jobs.
            LOG.error("Shared batcher '{}' failed on a batch of {} records", name, batch.size(), e);
            failBatch(batch, e);
            return;
        }
        // Uncounted before any future completes: a completion lets its caller submit again at once.
        batch.forEach(request -> request.lease.inFlight.decrementAndGet());
        for (int i = 0; i < batch.size(); i++) {
            Outcome<OUT> outcome = outcomes.get(i);
            if (!outcome.isSuccess()) {
                batch.get(i).metrics.deadLetter();
            }
            batch.get(i).future.complete(outcome);
        }
    }

    private static <IN, OUT> void failBatch(List<Request<IN, OUT>> batch, Throwable error) {
        batch.forEach(request -> request.lease.inFlight.decrementAndGet());
        batch.forEach(request -> request.future.completeExceptionally(error));
    }

    /** On an interrupted flush thread: nobody will complete what is left. */
    private void failAll(Request<IN, OUT> carried) {
        List<Request<IN, OUT>> left = new ArrayList<>();
        if (carried != null) {
            left.add(carried);
        }
        queue.drainTo(left);
        left.removeIf(request -> request == WAKE_UP);
        IllegalStateException closed = new IllegalStateException("shared batcher '" + name + "' stopped");
        left.forEach(request -> request.future.completeExceptionally(closed));
    }

    /** A caller's handle on a shared batcher; closing the last lease closes the batcher and its processor. */
    public static final class Lease<IN, OUT> implements AutoCloseable {

        private final Slot slot;
        private final SharedBatcher<IN, OUT> batcher;
        private final AtomicBoolean closed = new AtomicBoolean();
        private final int inFlightLimit;
        /** Records submitted through this lease and not completed yet. */
        private final AtomicInteger inFlight = new AtomicInteger();
        private volatile boolean inputEnded;

        private Lease(Slot slot, SharedBatcher<IN, OUT> batcher, int inFlightLimit) {
            this.slot = slot;
            this.batcher = batcher;
            this.inFlightLimit = inFlightLimit;
        }

        /** Whether this caller cannot submit another record before some of its records complete. */
        private boolean saturated() {
            return inputEnded || (inFlightLimit != UNKNOWN_IN_FLIGHT && inFlight.get() >= inFlightLimit);
        }

        /**
         * Says that this caller submits no more records (its input ended), so that batches holding its last records
         * need not wait out the linger for it.
         */
        public void endOfInput() {
            inputEnded = true;
            batcher.wake();
        }

        /** Records submitted through this lease whose futures have not completed (for a test or a gauge). */
        public int inFlight() {
            return inFlight.get();
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
            return batcher.submit(this, record, metrics);
        }

        /** The batcher itself, e.g. for {@link SharedBatcher#queued()}. */
        public SharedBatcher<IN, OUT> batcher() {
            return batcher;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release(slot, batcher, this);
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

    private record Request<IN, OUT>(Lease<IN, OUT> lease, IN record, long cost, BatchMetrics metrics,
            CompletableFuture<Outcome<OUT>> future, long queuedNanos) {}

    /** Queued by {@link #wake()}: no record, only a reason for the flush thread to look again. */
    private static final Request<?, ?> WAKE_UP = new Request<>(null, null, 0, BatchMetrics.NONE, null, 0);

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

        @Override
        public void batchFlushed(FlushReason reason) {
            targets.forEach(target -> target.batchFlushed(reason));
        }
    }
}
