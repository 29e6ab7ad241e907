package dev.flinkalbert.model.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.SafeTensors;
import dev.flinkalbert.model.pretraining.PretrainingBatch;
import dev.flinkalbert.model.pretraining.PretrainingData;
import dev.flinkalbert.model.pretraining.PretrainingObjective;
import dev.flinkalbert.model.pretraining.Vocabulary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A few hundred MLM + SOP steps on a tiny ALBERT: the loss stays finite and falls; the same seed gives identical
 * weights; an interrupted run resumed from its checkpoint ends where an uninterrupted one does.
 */
class PretrainingSoakTest {

    private static final int VOCAB = 120;
    private static NDManager manager;

    @BeforeAll
    static void startEngine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stopEngine() {
        manager.close();
    }

    static AlbertConfig config() {
        return AlbertConfig.builder().vocabSize(VOCAB).embeddingSize(16).hiddenSize(32).numAttentionHeads(2)
                .intermediateSize(64).numHiddenLayers(2).maxPositionEmbeddings(64).build();
    }

    /**
     * Documents about one of 12 topics each (a topic owns 9 consecutive ids), made of contiguous runs of the topic's
     * ids: a masked token follows from the other tokens of its row, which a model learns within a few hundred steps.
     */
    private static List<List<int[]>> corpus() {
        SplittableRandom random = new SplittableRandom(3);
        List<List<int[]>> docs = new ArrayList<>();
        for (int d = 0; d < 60; d++) {
            List<int[]> doc = new ArrayList<>();
            int topic = random.nextInt(12);
            for (int s = 0; s < 4; s++) {
                int length = 4 + random.nextInt(6);
                int from = random.nextInt(10 - length);
                int[] sentence = new int[length];
                for (int i = 0; i < length; i++) {
                    sentence[i] = 5 + topic * 9 + from + i;
                }
                doc.add(sentence);
            }
            docs.add(doc);
        }
        return docs;
    }

    static PretrainingData data() {
        return new PretrainingData(corpus(), Vocabulary.albert(VOCAB, id -> true), 32, 8, 5L);
    }

    private static TrainingLoop<PretrainingBatch> loop(AlbertModel model, long steps, int accumulation,
            List<StepMetrics> sink, Path checkpoint) {
        TrainingLoop.Builder<PretrainingBatch> b = TrainingLoop.<PretrainingBatch>builder().model(model)
                .objective(new PretrainingObjective()).schedule(new LearningRateSchedule(3e-3f, steps / 10, steps))
                .accumulationSteps(accumulation).seed(9L).listener(sink::add);
        if (checkpoint != null) {
            b.checkpoint(checkpoint, 10);
        }
        return b.build();
    }

    @Test
    void lossIsFiniteAndFalls() throws Exception {
        List<StepMetrics> metrics = new ArrayList<>();
        try (AlbertModel model = AlbertModel.initialize(config(), AlbertTask.PRETRAINING, 1L, manager);
                TrainingLoop<PretrainingBatch> loop = loop(model, 300, 1, metrics, null)) {
            loop.run(data());
        }
        assertEquals(300, metrics.size());
        metrics.forEach(m -> assertTrue(Double.isFinite(m.loss()) && Double.isFinite(m.gradientNorm()), m.toString()));
        double first = mean(metrics.subList(0, 20), "mlm");
        double last = mean(metrics.subList(280, 300), "mlm");
        // Guessing uniformly among the 115 ordinary ids costs ln 115 = 4.74; the topic's 9 ids, ln 9 = 2.2.
        assertTrue(first > 4.6, "masked-LM loss of the first 20 steps: " + first);
        assertTrue(last < 4.0, "masked-LM loss did not fall: first 20 steps " + first + ", last 20 " + last);
        assertTrue(mean(metrics.subList(280, 300), "sop") < 0.75, "sentence-order loss diverged");
    }

    @Test
    void maskedLmAloneTrainsWithoutTheSentenceOrderHead() throws Exception {
        List<StepMetrics> metrics = new ArrayList<>();
        try (AlbertModel model = AlbertModel.initialize(config(), AlbertTask.MASKED_LM, 1L, manager);
                TrainingLoop<PretrainingBatch> loop = loop(model, 20, 1, metrics, null)) {
            loop.run(data());
        }
        assertEquals(List.of("mlm"), List.copyOf(metrics.get(0).parts().keySet()));
        metrics.forEach(m -> assertEquals(m.parts().get("mlm"), m.loss(), 1e-6));
        assertTrue(mean(metrics.subList(15, 20), "mlm") < mean(metrics.subList(0, 5), "mlm"));
    }

    private static double mean(List<StepMetrics> metrics, String part) {
        return metrics.stream().mapToDouble(m -> m.parts().get(part)).average().orElseThrow();
    }

    @Test
    void sameSeedGivesIdenticalWeightsAndResumeContinuesExactly(@TempDir Path dir) throws Exception {
        Map<String, SafeTensors.Tensor> straight = train(40, null, -1);
        Map<String, SafeTensors.Tensor> again = train(40, null, -1);
        Map<String, SafeTensors.Tensor> resumed = train(40, dir.resolve("checkpoint"), 20);
        for (String name : straight.keySet()) {
            assertArrayEquals(straight.get(name).values(), again.get(name).values(), "same seed, " + name);
            assertArrayEquals(straight.get(name).values(), resumed.get(name).values(), "resumed, " + name);
        }
    }

    /** Trains {@code steps}; with {@code stopAt} >= 0, stops there and continues in a fresh model from the checkpoint. */
    private static Map<String, SafeTensors.Tensor> train(long steps, Path checkpoint, long stopAt) throws Exception {
        List<StepMetrics> sink = new ArrayList<>();
        PretrainingData data = data();
        if (stopAt >= 0) {
            try (AlbertModel model = AlbertModel.initialize(config(), AlbertTask.PRETRAINING, 1L, manager);
                    TrainingLoop<PretrainingBatch> loop = loop(model, steps, 2, sink, checkpoint)) {
                loop.runUntil(data, stopAt);
            }
        }
        // a different initial seed: after a resume only the checkpoint may matter
        long init = stopAt >= 0 ? 99L : 1L;
        try (AlbertModel model = AlbertModel.initialize(config(), AlbertTask.PRETRAINING, init, manager);
                TrainingLoop<PretrainingBatch> loop = loop(model, steps, 2, sink, checkpoint)) {
            assertEquals(stopAt >= 0, loop.resumeIfPresent());
            loop.run(data);
            assertEquals(steps, loop.step());
            return model.checkpointWeights();
        }
    }
}
