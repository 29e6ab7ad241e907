package dev.flinkalbert.flink;

import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.inference.Outcome;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real, simple batch processor for tests: upper-cases texts. A text {@value #POISON} makes the whole batch throw ({@link IllegalStateException}, an inference failure);
 * a text starting with {@value #BAD_PREFIX} fails alone; an empty text has no cost (its {@link #cost} throws). The
 * padding ratio is that of padding each text to the longest of its batch. Each instance records what it saw under
 * its test's key (Flink runs it inside the MiniCluster, in this JVM): the size of every {@code process} call, how
 * many records it finished, and the largest backlog ({@code emitted(key) - finished}) seen when a call started.
 */
final class UpperCaseProcessor implements BatchProcessor<String, String> {

    static final String POISON = "boom";
    static final String BAD_PREFIX = "bad";

    private static final Map<String, List<Integer>> CALLS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> EMITTED = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> FINISHED = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> MAX_BACKLOG = new ConcurrentHashMap<>();
    private static final Map<String, Integer> OPEN = new ConcurrentHashMap<>();
    private static final Map<String, Integer> CREATED = new ConcurrentHashMap<>();

    private final String key;
    private final boolean costIsLength;
    private final long sleepMillisPerCall;
    private double paddingRatio = Double.NaN;

    private UpperCaseProcessor(String key, boolean costIsLength, long sleepMillisPerCall) {
        this.key = key;
        this.costIsLength = costIsLength;
        this.sleepMillisPerCall = sleepMillisPerCall;
        OPEN.merge(key, 1, Integer::sum);
        CREATED.merge(key, 1, Integer::sum);
    }

    /** Cost 1 per record, no delay. */
    static BatchProcessorFactory<String, String> factory(String key) {
        return factory(key, false, 0);
    }

    /**
     * @param costIsLength cost of a text is its length instead of 1
     * @param sleepMillisPerCall a deliberately slow model: sleeps this long in every call
     */
    static BatchProcessorFactory<String, String> factory(String key, boolean costIsLength, long sleepMillisPerCall) {
        reset(key);
        return () -> new UpperCaseProcessor(key, costIsLength, sleepMillisPerCall);
    }

    static void reset(String key) {
        CALLS.put(key, Collections.synchronizedList(new ArrayList<>()));
        EMITTED.put(key, new AtomicLong());
        FINISHED.put(key, new AtomicLong());
        MAX_BACKLOG.put(key, new AtomicLong());
        OPEN.put(key, 0);
        CREATED.put(key, 0);
    }

    /** Sizes of all process calls so far, in call order (per processor instance interleaved). */
    static List<Integer> calls(String key) {
        synchronized (CALLS.get(key)) {
            return new ArrayList<>(CALLS.get(key));
        }
    }

    /** Counts a record emitted by a test source. */
    static void emitted(String key) {
        EMITTED.get(key).incrementAndGet();
    }

    static long finished(String key) {
        return FINISHED.get(key).get();
    }

    static long maxBacklog(String key) {
        return MAX_BACKLOG.get(key).get();
    }

    /** Processor instances created and not yet closed. */
    static int open(String key) {
        return OPEN.get(key);
    }

    /** Processor instances created so far. */
    static int created(String key) {
        return CREATED.get(key);
    }

    @Override
    public List<Outcome<String>> process(List<String> batch) throws Exception {
        CALLS.get(key).add(batch.size());
        MAX_BACKLOG.get(key).accumulateAndGet(EMITTED.get(key).get() - FINISHED.get(key).get(), Math::max);
        if (sleepMillisPerCall > 0) {
            Thread.sleep(sleepMillisPerCall);
        }
        if (batch.contains(POISON)) {
            throw new IllegalStateException("cannot process '" + POISON + "'");
        }
        List<Outcome<String>> outcomes = new ArrayList<>(batch.size());
        for (String text : batch) {
            outcomes.add(text.startsWith(BAD_PREFIX)
                    ? Outcome.<String>failure(new IllegalArgumentException("bad text: " + text))
                    : Outcome.success(text.toUpperCase(Locale.ROOT)));
        }
        FINISHED.get(key).addAndGet(batch.size());
        paddingRatio = paddingToLongest(batch);
        return outcomes;
    }

    /** The share of padding characters if every text were padded to the longest in the batch. */
    private static double paddingToLongest(List<String> batch) {
        int longest = batch.stream().mapToInt(String::length).max().orElse(0);
        int total = batch.stream().mapToInt(String::length).sum();
        return longest == 0 ? 0 : 1 - (double) total / (longest * batch.size());
    }

    @Override
    public long cost(String record) {
        if (record.isEmpty()) {
            throw new IllegalArgumentException("an empty text has no cost");
        }
        return costIsLength ? record.length() : 1;
    }

    /** A bad text ({@link IllegalArgumentException}) fails in tokenization; a poisoned batch in inference. */
    @Override
    public FailureStage failureStage(Exception error) {
        return error instanceof IllegalArgumentException ? FailureStage.TOKENIZE : FailureStage.INFERENCE;
    }

    @Override
    public double paddingRatio() {
        return paddingRatio;
    }

    @Override
    public void close() {
        OPEN.merge(key, -1, Integer::sum);
    }
}
