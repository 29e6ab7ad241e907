package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * The per-subtask micro-batching operator on a real MiniCluster, with a real (upper-casing) processor: the tests every
 * per-subtask operator passes, and the helpers other tests use. Each concrete class brings its own cluster (a metric
 * reporter closes with its cluster): {@link MicroBatchOperatorTest}, {@link PipelinedMicroBatchOperatorTest}.
 */
abstract class MicroBatchingTests {

    /** A cluster of 2 slots reporting to {@code reporter}. */
    static MiniClusterExtension cluster(InMemoryReporter reporter) {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(2)
                .setConfiguration(reporter.addToConfiguration(new Configuration()))
                .build());
    }

    /** Dead letters of a text keep its UTF-8 bytes and the id "id-" + text. */
    static final DeadLetterFields<String> TEXT_FIELDS =
            DeadLetterFields.of(text -> text.getBytes(StandardCharsets.UTF_8), text -> "id-" + text);

    /** Long enough that linger never flushes unless a test waits for it. */
    private static final Duration NEVER = Duration.ofHours(1);

    @Test
    void flushesAtBatchSizeAndAtEndOfInput(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = env();
        DataStream<String> texts = env.fromData("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");

        Collected out = run(env, batching(key, 4, NEVER).build().apply(texts));

        assertEquals(List.of("A", "B", "C", "D", "E", "F", "G", "H", "I", "J"), out.results);
        assertEquals(List.of(4, 4, 2), UpperCaseProcessor.calls(key));
        assertEquals(0, UpperCaseProcessor.open(key), "processor closed with the operator");
    }

    @Test
    void flushesBeforeTheCostBudgetWouldOverflow(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = env();
        // Costs (lengths) 4 4 2 | 5 3 | 6 | 6 with a budget of 10: full at exactly 10, then each overflow flushes.
        DataStream<String> texts = env.fromData("aaaa", "bbbb", "cc", "ddddd", "eee", "ffffff", "gggggg");

        Collected out = run(env, builder()
                .processor(UpperCaseProcessor.factory(key, true, 0))
                .outputType(Types.STRING)
                .maxBatchSize(100)
                .maxLinger(NEVER)
                .maxBatchCost(10)
                .build()
                .apply(texts));

        assertEquals(List.of("AAAA", "BBBB", "CC", "DDDDD", "EEE", "FFFFFF", "GGGGGG"), out.results);
        assertEquals(List.of(3, 2, 1, 1), UpperCaseProcessor.calls(key));
    }

    @Test
    void flushesAfterLinger(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = env();
        env.setBufferTimeout(0);
        // The source (in its own task) emits record i only after record i-1 was processed. Nothing but the linger
        // timer can flush it (batch size, cost and watermarks never trigger), so without linger this never ends.
        GeneratorFunction<Long, String> gated = index -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (UpperCaseProcessor.finished(key) < index) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("record " + (index - 1) + " was never flushed");
                }
                Thread.sleep(1);
            }
            return "t" + index;
        };
        DataStream<String> texts = env.fromSource(
                new DataGeneratorSource<>(gated, 5, Types.STRING), WatermarkStrategy.noWatermarks(), "gated");

        SingleOutputStreamOperator<String> results =
                batching(key, 100, Duration.ofMillis(30)).build().apply(texts).disableChaining();
        Collected out = run(env, results);

        assertEquals(List.of("T0", "T1", "T2", "T3", "T4"), out.results);
        assertEquals(List.of(1, 1, 1, 1, 1), UpperCaseProcessor.calls(key));
    }

    @Test
    void flushesBeforeForwardingAWatermarkAndKeepsTimestamps(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = env();
        // Record i has timestamp i; after records 3, 6 and 9 the source emits a watermark equal to their timestamp.
        WatermarkStrategy<String> everyThird = WatermarkStrategy.<String>forGenerator(context -> new EveryThird())
                .withTimestampAssigner((text, previous) -> Long.parseLong(text.substring(1)));
        DataStream<String> texts = env.fromSource(new DataGeneratorSource<>(
                index -> "t" + (index + 1), 10, Types.STRING), everyThird, "timestamped");

        DataStream<String> arrivals = batching(key, 100, NEVER).build().apply(texts)
                .process(new ProcessFunction<String, String>() {
                    @Override
                    public void processElement(String value, Context ctx, Collector<String> out) {
                        out.collect(value + "@" + ctx.timestamp() + " after watermark "
                                + ctx.timerService().currentWatermark());
                    }
                });
        Collected out = run(env, arrivals);

        assertEquals(List.of(3, 3, 3, 1), UpperCaseProcessor.calls(key));
        long noWatermarkYet = Long.MIN_VALUE;
        assertEquals(List.of(
                "T1@1 after watermark " + noWatermarkYet,
                "T2@2 after watermark " + noWatermarkYet,
                "T3@3 after watermark " + noWatermarkYet,
                "T4@4 after watermark 3",
                "T5@5 after watermark 3",
                "T6@6 after watermark 3",
                "T7@7 after watermark 6",
                "T8@8 after watermark 6",
                "T9@9 after watermark 6",
                "T10@10 after watermark 9"), out.results);
    }

    @Test
    void flushesBeforeEveryCheckpointBarrier(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = env();
        env.enableCheckpointing(50);
        // 10 records per checkpoint, batch size and linger out of reach, no watermarks: only barriers (and the end)
        // flush, so more than one batch means barriers flushed. A record still buffered when the operator
        // snapshots fails the job (MicroBatchOperator#snapshotState).
        DataStream<String> texts = env.fromSource(new DataGeneratorSource<>(
                index -> "t" + index, 60, RateLimiterStrategy.perCheckpoint(10), Types.STRING),
                WatermarkStrategy.noWatermarks(), "per-checkpoint");

        Collected out = run(env, batching(key, 1000, NEVER).build().apply(texts));

        assertEquals(LongStream.range(0, 60).mapToObj(i -> "T" + i).toList(), out.results);
        List<Integer> calls = UpperCaseProcessor.calls(key);
        assertEquals(60, calls.stream().mapToInt(Integer::intValue).sum());
        assertTrue(calls.size() >= 3, "one batch per checkpoint, got " + calls);
    }

    @Test
    void keepsExactlyOnceAcrossAFailureAndRestart(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = restartingEnv(1);
        CommitOnCheckpoint.reset(key);
        DataStream<String> texts = env.fromSource(new DataGeneratorSource<>(
                index -> "t" + index, 300, RateLimiterStrategy.perCheckpoint(30), Types.STRING),
                WatermarkStrategy.noWatermarks(), "per-checkpoint");

        batching(key, 1000, NEVER).build().apply(texts)
                .map(new FailOnceAfterACheckpoint(key))
                .map(new CommitOnCheckpoint(key))
                .sinkTo(new DiscardingSink<>());
        env.execute();

        assertCommittedExactlyOnceAfterAFailure(key, 300);
    }

    /** Records T0 … T(count-1) were each committed once, across the injected failure. */
    static void assertCommittedExactlyOnceAfterAFailure(String key, int count) {
        assertTrue(FailOnceAfterACheckpoint.FAILED.contains(key), "the injected failure happened");
        Map<String, Integer> committed = CommitOnCheckpoint.committed(key);
        Set<String> lost =
                LongStream.range(0, count).mapToObj(i -> "T" + i).collect(Collectors.toCollection(TreeSet::new));
        lost.removeAll(committed.keySet());
        assertEquals(Set.of(), lost, "records lost");
        assertEquals(count, committed.size());
        assertEquals(Set.of(1), Set.copyOf(committed.values()), "each record committed exactly once");
    }

    /** An environment that restarts a failed job at once, checkpointing every 50 ms. */
    static StreamExecutionEnvironment restartingEnv(int parallelism) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(10));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        env.enableCheckpointing(50);
        return env;
    }

    @Test
    void isolatesARecordThatFailsAlone(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = env();
        DataStream<String> texts = env.fromData("a", "b", "bad-c", "d", "e", "f", "g", "h");

        Collected out = run(env, batching(key, 4, NEVER).build().apply(texts));

        assertEquals(List.of("A", "B", "D", "E", "F", "G", "H"), out.results);
        assertEquals(List.of(4, 4), UpperCaseProcessor.calls(key));
        assertEquals(1, out.deadLetters.size());
        DeadLetter deadLetter = out.deadLetters.get(0);
        assertEquals(FailureStage.TOKENIZE, deadLetter.getStage());
        assertEquals("java.lang.IllegalArgumentException", deadLetter.getErrorClass());
        assertEquals("bad text: bad-c", deadLetter.getMessage());
        assertEquals("bad-c", new String(deadLetter.getOriginal().array(), StandardCharsets.UTF_8));
        assertEquals("id-bad-c", deadLetter.getId());
    }

    @Test
    void deadLettersARecordWhoseCostCannotBeMeasured(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = env();
        DataStream<String> texts = env.fromData("a", "", "b");

        Collected out = run(env, batching(key, 2, NEVER).build().apply(texts));

        assertEquals(List.of("A", "B"), out.results);
        assertEquals(List.of(2), UpperCaseProcessor.calls(key), "the empty text never reached a batch");
        assertEquals(1, out.deadLetters.size());
        assertEquals("an empty text has no cost", out.deadLetters.get(0).getMessage());
        assertEquals("id-", out.deadLetters.get(0).getId());
    }

    @Test
    void reportsMetrics(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = env();
        DataStream<String> texts = env.fromData("a", "b", "bad-c", "d", "e");

        Collected out = run(env, batching(key, 2, NEVER).name("metered").build().apply(texts));

        Map<String, Metric> metrics = new TreeMap<>();
        reporter().getMetricsByGroup().forEach((group, byName) -> {
            String identifier = group.getMetricIdentifier("");
            if (identifier.contains(".metered.") && identifier.endsWith("." + FlinkBatchMetrics.GROUP + ".")) {
                metrics.putAll(byName);
            }
        });
        // Batches [a b] [bad-c d] [e]; padded to the longest text: 0/2, 4/10 and 0/1 padding.
        assertEquals(3, ((Histogram) metrics.get("batchSize")).getCount());
        assertEquals(5.0 / 3, ((Histogram) metrics.get("batchSize")).getStatistics().getMean(), 1e-9);
        assertEquals(400, ((Histogram) metrics.get("paddingPermille")).getStatistics().getMax());
        assertEquals(3, ((Histogram) metrics.get("inferenceLatencyMicros")).getCount());
        assertEquals(5, ((Histogram) metrics.get("queueWaitMicros")).getCount());
        assertEquals(5, ((Counter) metrics.get("records")).getCount());
        assertEquals(5, ((Counter) metrics.get("cost")).getCount());
        assertEquals(1, ((Counter) metrics.get("deadLetters")).getCount());
        assertTrue(metrics.get("recordsPerSecond") instanceof Meter);
        assertTrue(metrics.get("costPerSecond") instanceof Meter);
    }

    @Test
    void bisectsABatchThatThrowsToFindTheFailingRecords(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = env();
        DataStream<String> texts = env.fromData(
                "a", "b", "c", "boom", "e", "boom", "g", "h", // a batch of 8 with two poison records
                "i", "j", "k", "l", "m", "n", "o", "p"); // its neighbour

        Collected out = run(env, batching(key, 8, NEVER).build().apply(texts));

        assertEquals(List.of("A", "B", "C", "E", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P"), out.results);
        // [a..h] fails; [a b c boom] fails: [a b] ok, [c boom] fails: [c] ok, [boom] fails alone;
        // [e boom g h] fails: [e boom] fails: [e] ok, [boom] fails alone; [g h] ok. Then [i..p] in one call.
        assertEquals(List.of(8, 4, 2, 2, 1, 1, 4, 2, 1, 1, 2, 8), UpperCaseProcessor.calls(key));
        assertEquals(2, out.deadLetters.size());
        for (DeadLetter deadLetter : out.deadLetters) {
            assertEquals(FailureStage.INFERENCE, deadLetter.getStage());
            assertEquals("java.lang.IllegalStateException", deadLetter.getErrorClass());
            assertEquals("cannot process 'boom'", deadLetter.getMessage());
            assertEquals("id-boom", deadLetter.getId());
        }
    }

    @Test
    void slowProcessorBackpressuresTheSourceWithABoundedBuffer(TestInfo test) throws Exception {
        String key = key(test);
        StreamExecutionEnvironment env = env();
        int batchSize = 8;
        // A source as fast as it can be, chained to a deliberately slow model (5 ms per call).
        DataStream<String> texts = env.fromSource(new DataGeneratorSource<>(index -> {
            UpperCaseProcessor.emitted(key);
            return "t" + index;
        }, Long.MAX_VALUE, Types.STRING), WatermarkStrategy.noWatermarks(), "fast");
        builder()
                .processor(UpperCaseProcessor.factory(key, false, 5))
                .outputType(Types.STRING)
                .maxBatchSize(batchSize)
                .maxLinger(NEVER)
                .build()
                .apply(texts)
                .sinkTo(new DiscardingSink<>());

        JobClient job = env.executeAsync();
        try {
            awaitFinished(key, 400);
        } finally {
            job.cancel().get();
        }

        // When a batch starts, the source has emitted no more than what was processed plus that batch.
        assertTrue(UpperCaseProcessor.maxBacklog(key) <= backlogBound(batchSize),
                "source ran ahead by " + UpperCaseProcessor.maxBacklog(key));
        assertTrue(UpperCaseProcessor.calls(key).stream().allMatch(size -> size <= batchSize));
    }

    static void awaitFinished(String key, long records) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (UpperCaseProcessor.finished(key) < records) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + UpperCaseProcessor.finished(key) + " records processed");
            }
            Thread.sleep(10);
        }
    }

    static String key(TestInfo test) {
        return test.getTestClass().orElseThrow().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName();
    }

    private static StreamExecutionEnvironment env() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        return env;
    }

    /** The metrics of this class's cluster. */
    abstract InMemoryReporter reporter();

    /** The operator under test: the synchronous one; {@link PipelinedMicroBatchOperatorTest} runs these tests again. */
    MicroBatching.Builder<String, String> builder() {
        return MicroBatching.<String, String>builder();
    }

    /** The most records a source chained before the operator can be ahead of the processor when a batch starts. */
    long backlogBound(int batchSize) {
        return batchSize;
    }

    MicroBatching.Builder<String, String> batching(String key, int batchSize, Duration linger) {
        return builder()
                .processor(UpperCaseProcessor.factory(key))
                .outputType(Types.STRING)
                .maxBatchSize(batchSize)
                .maxLinger(linger)
                .deadLetterFields(TEXT_FIELDS);
    }

    /** Runs the job and returns the results and dead letters of {@code results}, in order. */
    static Collected run(StreamExecutionEnvironment env, DataStream<String> results) throws Exception {
        CloseableIterator<String> resultIterator = results.collectAsync();
        CloseableIterator<DeadLetter> deadLetterIterator = results instanceof SingleOutputStreamOperator<String> op
                ? op.getSideOutput(MicroBatching.DEAD_LETTERS).collectAsync()
                : CloseableIterator.empty();
        env.execute();
        Collected collected = new Collected(new ArrayList<>(), new ArrayList<>());
        resultIterator.forEachRemaining(collected.results::add);
        deadLetterIterator.forEachRemaining(collected.deadLetters::add);
        return collected;
    }

    record Collected(List<String> results, List<DeadLetter> deadLetters) {}

    /** Emits a watermark equal to the timestamp of every third record, right after it. */
    private static final class EveryThird implements WatermarkGenerator<String> {
        @Override
        public void onEvent(String event, long timestamp, WatermarkOutput output) {
            if (timestamp % 3 == 0) {
                output.emitWatermark(new Watermark(timestamp));
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {}
    }

    /** Fails the job once, on the first record after a checkpoint completed. */
    static final class FailOnceAfterACheckpoint extends RichMapFunction<String, String>
            implements CheckpointListener {
        static final Set<String> FAILED = ConcurrentHashMap.newKeySet();
        private final String key;
        private transient boolean checkpointed;

        FailOnceAfterACheckpoint(String key) {
            this.key = key;
        }

        @Override
        public String map(String value) {
            if (checkpointed && FAILED.add(key)) {
                throw new IllegalStateException("injected failure");
            }
            return value;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointed = true;
        }
    }

    /**
     * A transactional sink in miniature: records are published only when the checkpoint that covers them completes,
     * and publishing a checkpoint's record twice (after a restore) has no effect, as with Kafka transactions. A
     * record counted twice was emitted in two checkpoints: a duplicate; a record never counted was lost.
     */
    static final class CommitOnCheckpoint extends RichMapFunction<String, String>
            implements CheckpointedFunction, CheckpointListener {
        private static final Map<String, Map<String, AtomicInteger>> COMMITTED = new ConcurrentHashMap<>();
        private static final Map<String, Set<String>> PUBLISHED = new ConcurrentHashMap<>();
        private final String key;
        private transient List<String> pending;
        private transient TreeMap<Long, List<String>> staged;
        private transient ListState<String> state;

        CommitOnCheckpoint(String key) {
            this.key = key;
        }

        static void reset(String key) {
            COMMITTED.put(key, new ConcurrentHashMap<>());
            PUBLISHED.put(key, ConcurrentHashMap.newKeySet());
        }

        static Map<String, Integer> committed(String key) {
            return COMMITTED.get(key).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
        }

        @Override
        public void open(OpenContext openContext) {
            pending = new ArrayList<>();
        }

        @Override
        public String map(String value) {
            pending.add(value);
            return value;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            staged.computeIfAbsent(context.getCheckpointId(), id -> new ArrayList<>()).addAll(pending);
            pending.clear();
            List<String> entries = new ArrayList<>();
            staged.forEach((checkpoint, values) -> values.forEach(value -> entries.add(checkpoint + ":" + value)));
            state.update(entries);
        }

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            state = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("staged", Types.STRING));
            staged = new TreeMap<>();
            for (String entry : state.get()) {
                int colon = entry.indexOf(':');
                staged.computeIfAbsent(Long.parseLong(entry.substring(0, colon)), id -> new ArrayList<>())
                        .add(entry.substring(colon + 1));
            }
            // Restored from a completed checkpoint: what it staged is committed (unless that already happened).
            commitUpTo(Long.MAX_VALUE);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            commitUpTo(checkpointId);
        }

        private void commitUpTo(long checkpointId) {
            Map<Long, List<String>> done = staged.headMap(checkpointId, true);
            done.forEach((checkpoint, values) -> values.forEach(value -> {
                if (PUBLISHED.get(key).add(checkpoint + ":" + value)) {
                    COMMITTED.get(key).computeIfAbsent(value, v -> new AtomicInteger()).incrementAndGet();
                }
            }));
            done.clear();
        }
    }
}
