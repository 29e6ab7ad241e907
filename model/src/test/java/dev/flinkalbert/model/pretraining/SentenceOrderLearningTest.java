package dev.flinkalbert.model.pretraining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.training.LearningRateSchedule;
import dev.flinkalbert.model.training.StepMetrics;
import dev.flinkalbert.model.training.TrainingLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guards the whole sentence-order path (pair labels, batching, token types, pooler, SOP head, loss, gradients) on a
 * corpus whose order is trivially learnable: a document is a sentence of ids from a low band followed by one from a
 * high band, so a pair is in order exactly when its first segment holds the low ids. A broken path (labels
 * decorrelated from rows, segments not swapped, SOP loss not reaching the gradient) leaves accuracy at chance.
 */
class SentenceOrderLearningTest {

    private static final int VOCAB = 100;
    private static final int LOW = 10;
    private static final int HIGH = 55;
    private static final int BAND = 40;
    private static final int LENGTH = 24;
    /**
     * Ten times BERT's 0.02: at 0.02 a model this small attends almost uniformly for its first ~500 steps, so the
     * [CLS] state cannot tell A's tokens from B's and SOP sits at ln 2 until attention breaks symmetry (measured:
     * SOP loss 0.69 until step ~550, then < 0.05); a wider start shortens that plateau to well under 100 steps.
     */
    private static final float INITIALIZER_RANGE = 0.2f;
    private static final int STEPS = 250;
    private static final Vocabulary VOCABULARY = Vocabulary.albert(VOCAB, id -> true);
    private static NDManager manager;

    @BeforeAll
    static void startEngine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stopEngine() {
        manager.close();
    }

    /** Two sentences of 3 to 8 ascending ids each: the first from [LOW, LOW + BAND), the second from [HIGH, ...). */
    private static List<List<int[]>> corpus(int documents, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<List<int[]>> docs = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            docs.add(List.of(ascending(LOW, random), ascending(HIGH, random)));
        }
        return docs;
    }

    private static int[] ascending(int band, SplittableRandom random) {
        int[] ids = new int[3 + random.nextInt(6)];
        int next = band + random.nextInt(BAND - 2 * ids.length);
        for (int i = 0; i < ids.length; i++) {
            next += 1 + random.nextInt(2);
            ids[i] = next;
        }
        return ids;
    }

    @Test
    void batchLabelsSayWhetherTheRowsSegmentsAreInDocumentOrder() {
        // every id ascends through its document, so a row is in order exactly when segment A's ids precede B's
        PretrainingData data = new PretrainingData(corpus(200, 1L), VOCABULARY, LENGTH, 16, 2L);
        int rows = 0;
        int swapped = 0;
        for (long index = 0; index < 3L * data.batchesPerEpoch(); index++) {
            PretrainingBatch batch = data.batch(index);
            long[] ids = batch.inputIds().clone();
            for (int k = 0; k < batch.maskedPositions().length; k++) {
                ids[(int) batch.maskedPositions()[k]] = batch.maskedLabels()[k];
            }
            for (int r = 0; r < batch.batch(); r++) {
                int at = r * batch.length();
                assertEquals(VOCABULARY.cls(), ids[at]);
                List<Long> a = new ArrayList<>();
                List<Long> b = new ArrayList<>();
                int i = at + 1;
                for (; ids[i] != VOCABULARY.sep(); i++) {
                    assertEquals(0, batch.tokenTypeIds()[i], "segment A has token type 0");
                    a.add(ids[i]);
                }
                assertEquals(0, batch.tokenTypeIds()[i], "the first [SEP] has token type 0");
                for (i++; ids[i] != VOCABULARY.sep(); i++) {
                    assertEquals(1, batch.tokenTypeIds()[i], "segment B has token type 1");
                    b.add(ids[i]);
                }
                assertEquals(1, batch.tokenTypeIds()[i], "the second [SEP] has token type 1");
                assertTrue(!a.isEmpty() && !b.isEmpty(), "empty segment in row " + r + " of batch " + index);
                boolean inOrder = a.get(a.size() - 1) < b.get(0);
                assertEquals(inOrder ? 0 : 1, batch.sentenceOrderLabels()[r], "row " + r + " of batch " + index);
                rows++;
                swapped += inOrder ? 0 : 1;
            }
        }
        assertTrue(swapped > rows / 3 && swapped < 2 * rows / 3, swapped + " of " + rows + " swapped");
    }

    @Test
    void sentenceOrderIsLearnedWhenTheOrderIsObvious() throws Exception {
        AlbertConfig config = AlbertConfig.builder().vocabSize(VOCAB).embeddingSize(16).hiddenSize(32)
                .numAttentionHeads(2).intermediateSize(64).numHiddenLayers(2).maxPositionEmbeddings(LENGTH)
                .initializerRange(INITIALIZER_RANGE).build();
        List<StepMetrics> metrics = new ArrayList<>();
        try (AlbertModel model = AlbertModel.initialize(config, AlbertTask.PRETRAINING, 1L, manager)) {
            float[] headBefore = model.parameters().get("sop_classifier.classifier.weight").toFloatArray();
            float[] poolerBefore = model.parameters().get("albert.pooler.weight").toFloatArray();
            double before = accuracy(model);
            try (TrainingLoop<PretrainingBatch> loop = TrainingLoop.<PretrainingBatch>builder().model(model)
                    .objective(new PretrainingObjective()).schedule(new LearningRateSchedule(3e-3f, 20, STEPS))
                    .seed(3L).listener(metrics::add).build()) {
                loop.run(new PretrainingData(corpus(300, 4L), VOCABULARY, LENGTH, 16, 5L));
            }
            double after = accuracy(model);
            double lastSop = metrics.subList(STEPS - 20, STEPS).stream().mapToDouble(m -> m.parts().get("sop"))
                    .average().orElseThrow();
            assertTrue(after > 0.9, "held-out SOP accuracy " + after + " (before training " + before
                    + "), SOP loss of the last 20 steps " + lastSop);
            assertTrue(lastSop < 0.4, "SOP loss of the last 20 steps " + lastSop + " (chance: ln 2 = 0.693)");
            // what `train pretrain --held-out` reports: the same held-out documents, every pair once
            SentenceOrderEvaluation.Result evaluated = SentenceOrderEvaluation.evaluate(model,
                    new PretrainingData(corpus(100, 99L), VOCABULARY, LENGTH, 20, 7L).evaluationBatches());
            assertTrue(evaluated.sopAccuracy() > 0.9, "SentenceOrderEvaluation's accuracy " + evaluated.sopAccuracy()
                    + ", this test's own count " + after);
            assertTrue(evaluated.sopLoss() < 0.4, "held-out SOP loss " + evaluated.sopLoss());
            assertTrue(evaluated.pairs() >= 100, "every held-out document gives a pair: " + evaluated.pairs());
            assertTrue(evaluated.swappedShare() > 0.3 && evaluated.swappedShare() < 0.7, "swapped share "
                    + evaluated.swappedShare());
            assertEquals(evaluated.swappedShare(), evaluated.predictedSwappedShare(), 0.1,
                    "a model that knows the order predicts about as many swapped pairs as there are");
            assertChanged(headBefore, model.parameters().get("sop_classifier.classifier.weight").toFloatArray(),
                    "sop_classifier.classifier.weight");
            assertChanged(poolerBefore, model.parameters().get("albert.pooler.weight").toFloatArray(),
                    "albert.pooler.weight");
        }
    }

    /** Share of held-out pairs (other documents, other seed) whose order the model predicts, without dropout. */
    private static double accuracy(AlbertModel model) {
        PretrainingData heldOut = new PretrainingData(corpus(100, 99L), VOCABULARY, LENGTH, 20, 7L);
        int right = 0;
        int total = 0;
        for (long index = 0; index < heldOut.batchesPerEpoch(); index++) {
            PretrainingBatch batch = heldOut.batch(index);
            try (NDManager m = model.manager().newSubManager()) {
                Shape shape = new Shape(batch.batch(), batch.length());
                AlbertModel.Encoded enc = model.encode(m.create(batch.inputIds(), shape),
                        m.create(batch.attentionMask(), shape), m.create(batch.tokenTypeIds(), shape), false);
                NDArray logits = model.sentenceOrderLogits(enc.pooledOutput(), false);
                long[] predicted = logits.argMax(1).toLongArray();
                for (int r = 0; r < batch.batch(); r++) {
                    right += predicted[r] == batch.sentenceOrderLabels()[r] ? 1 : 0;
                    total++;
                }
            }
        }
        return right / (double) total;
    }

    private static void assertChanged(float[] before, float[] after, String name) {
        double moved = 0;
        for (int i = 0; i < before.length; i++) {
            moved += Math.abs(after[i] - before[i]);
        }
        assertTrue(moved / before.length > 1e-3, name + " moved by " + moved / before.length + " on average");
    }
}
