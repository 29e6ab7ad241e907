package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/** Several subtasks in one MiniCluster JVM feeding one {@link SharedBatcher}, through {@link MicroBatching}. */
class SharedBatchingTest {

    private static final int PARALLELISM = 4;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    @Test
    void subtasksFillBatchesTogether(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        int inFlight = 4;
        StreamExecutionEnvironment env = env(PARALLELISM);
        DataStream<String> texts = source(env, index -> "t" + index, 2000);

        MicroBatchOperatorTest.Collected out = MicroBatchOperatorTest.run(env, shared(key, 16, inFlight)
                .processor(UpperCaseProcessor.factory(key, false, 2))
                .build()
                .apply(texts));

        List<String> expected = LongStream.range(0, 2000).mapToObj(i -> "T" + i).sorted().toList();
        assertEquals(expected, out.results().stream().sorted().toList());
        assertEquals(List.of(), out.deadLetters());
        assertEquals(1, UpperCaseProcessor.created(key), "one processor for " + PARALLELISM + " subtasks");
        assertEquals(0, UpperCaseProcessor.open(key), "closed with the last subtask");
        // One subtask alone never has more than `inFlight` records in flight, so it cannot make a larger batch.
        List<Integer> calls = UpperCaseProcessor.calls(key);
        int largest = Collections.max(calls);
        assertTrue(largest > inFlight, "largest batch " + largest);
        assertTrue(largest <= 16, "largest batch " + largest);
    }

    @Test
    void keepsExactlyOnceAcrossAFailureAndRestart(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        StreamExecutionEnvironment env = MicroBatchOperatorTest.restartingEnv(2);
        MicroBatchOperatorTest.CommitOnCheckpoint.reset(key);
        DataStream<String> texts = env.fromSource(new DataGeneratorSource<>(
                index -> "t" + index, 300, RateLimiterStrategy.perCheckpoint(30), Types.STRING),
                WatermarkStrategy.noWatermarks(), "per-checkpoint");

        shared(key, 16, 8).processor(UpperCaseProcessor.factory(key)).build().apply(texts)
                .map(new MicroBatchOperatorTest.FailOnceAfterACheckpoint(key))
                .map(new MicroBatchOperatorTest.CommitOnCheckpoint(key))
                .sinkTo(new DiscardingSink<>());
        env.execute();

        MicroBatchOperatorTest.assertCommittedExactlyOnceAfterAFailure(key, 300);
        // Only the failed subtask's region restarts; the other subtask's lease keeps the batcher alive meanwhile.
        assertEquals(0, UpperCaseProcessor.open(key), "closed with the last subtask");
    }

    @Test
    void failingRecordsBecomeDeadLetters(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        StreamExecutionEnvironment env = env(2);
        DataStream<String> texts = source(env, index -> index == 7 ? "boom" : index == 23 ? "bad-23" : "t" + index, 40);

        MicroBatchOperatorTest.Collected out = MicroBatchOperatorTest.run(env, shared(key, 8, 8)
                .processor(UpperCaseProcessor.factory(key))
                .build()
                .apply(texts));

        List<String> expected = LongStream.range(0, 40).filter(i -> i != 7 && i != 23)
                .mapToObj(i -> "T" + i).sorted().toList();
        assertEquals(expected, out.results().stream().sorted().toList());
        Map<String, DeadLetter> deadLetters = new TreeMap<>(out.deadLetters().stream()
                .collect(Collectors.toMap(DeadLetter::getId, deadLetter -> deadLetter)));
        assertEquals(List.of("id-bad-23", "id-boom"), List.copyOf(deadLetters.keySet()));
        DeadLetter boom = deadLetters.get("id-boom");
        assertEquals(FailureStage.INFERENCE, boom.getStage());
        assertEquals("cannot process 'boom'", boom.getMessage());
        assertEquals("boom", new String(boom.getOriginal().array(), StandardCharsets.UTF_8));
        DeadLetter bad = deadLetters.get("id-bad-23");
        assertEquals(FailureStage.TOKENIZE, bad.getStage());
        assertEquals("bad text: bad-23", bad.getMessage());
    }

    @Test
    void slowProcessorBackpressuresEverySubtask(TestInfo test) throws Exception {
        String key = MicroBatchOperatorTest.key(test);
        int subtasks = 2;
        int inFlight = 4;
        int batchSize = 4;
        StreamExecutionEnvironment env = env(subtasks);
        DataStream<String> texts = source(env, index -> {
            UpperCaseProcessor.emitted(key);
            return "t" + index;
        }, Long.MAX_VALUE);
        shared(key, batchSize, inFlight)
                .queueCapacity(3)
                .processor(UpperCaseProcessor.factory(key, false, 5))
                .build()
                .apply(texts)
                .sinkTo(new DiscardingSink<>());

        JobClient job = env.executeAsync();
        try {
            MicroBatchOperatorTest.awaitFinished(key, 400);
        } finally {
            job.cancel().get();
        }

        // The source is chained to the async operator: what it emitted and is not processed is in flight there,
        // or is the one record per subtask that waits for room in flight.
        assertTrue(UpperCaseProcessor.maxBacklog(key) <= (long) subtasks * (inFlight + 1),
                "sources ran ahead by " + UpperCaseProcessor.maxBacklog(key));
        assertTrue(UpperCaseProcessor.calls(key).stream().allMatch(size -> size <= batchSize));
    }

    private static StreamExecutionEnvironment env(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        return env;
    }

    private static DataStream<String> source(
            StreamExecutionEnvironment env, GeneratorFunction<Long, String> texts, long count) {
        return env.fromSource(
                new DataGeneratorSource<>(texts, count, Types.STRING), WatermarkStrategy.noWatermarks(), "texts");
    }

    /** Shared mode with the test's batcher name; the processor is set by each test. */
    private static MicroBatching.Builder<String, String> shared(String key, int batchSize, int inFlight) {
        return MicroBatching.<String, String>builder()
                .outputType(Types.STRING)
                .maxBatchSize(batchSize)
                .maxLinger(Duration.ofMillis(20))
                .sharedPerTaskManager(key)
                .inFlightPerSubtask(inFlight)
                .deadLetterFields(MicroBatchOperatorTest.TEXT_FIELDS);
    }
}
