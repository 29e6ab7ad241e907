package dev.flinkalbert.model.pretraining;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a pretraining model does on pairs it did not train on (e.g. {@link PretrainingData#evaluationBatches()} of
 * held-out documents): sentence-order accuracy and loss, masked-LM loss, the share of swapped pairs (the accuracy of
 * always answering the majority class is the larger of it and its complement) and the share the model predicts
 * swapped (0 or 1: it answers one class whatever the pair).
 *
 * <pre>{@code
 * List<PretrainingBatch> heldOut = new PretrainingData(heldOutDocs, vocabulary, 128, 32, seed).evaluationBatches();
 * SentenceOrderEvaluation.Result r = SentenceOrderEvaluation.evaluate(model, heldOut);
 * System.out.printf("SOP accuracy %.3f over %d pairs%n", r.sopAccuracy(), r.pairs());
 * }</pre>
 *
 * Dropout is off and no gradient is recorded. A {@link AlbertTask#MASKED_LM} model (no SOP head) reports the
 * masked-LM loss alone ({@code NaN} for the SOP figures).
 */
public final class SentenceOrderEvaluation {

    /** Means over the pairs (SOP) and over the masked positions (MLM). */
    public record Result(int pairs, double sopAccuracy, double sopLoss, double mlmLoss, double swappedShare,
            double predictedSwappedShare) {

        /** The figures for a report, named {@code held_out_*}; SOP figures only when the model has the SOP head. */
        public Map<String, Double> asMetrics() {
            Map<String, Double> out = new LinkedHashMap<>();
            if (!Double.isNaN(sopAccuracy)) {
                out.put("held_out_sop_accuracy", sopAccuracy);
                out.put("held_out_sop_loss", sopLoss);
                out.put("held_out_sop_predicted_swapped", predictedSwappedShare);
            }
            out.put("held_out_mlm_loss", mlmLoss);
            return out;
        }
    }

    private SentenceOrderEvaluation() {}

    public static Result evaluate(AlbertModel model, List<PretrainingBatch> batches) {
        boolean sop = model.task() == AlbertTask.PRETRAINING;
        int pairs = 0;
        int correct = 0;
        int swapped = 0;
        int predictedSwapped = 0;
        double sopLossSum = 0;
        double mlmLossSum = 0;
        long masked = 0;
        NDManager m = model.manager();
        for (PretrainingBatch batch : batches) {
            try (NDScope scope = new NDScope()) {
                Shape shape = new Shape(batch.batch(), batch.length());
                AlbertModel.Encoded enc = model.encode(m.create(batch.inputIds(), shape),
                        m.create(batch.attentionMask(), shape), m.create(batch.tokenTypeIds(), shape), false);
                NDArray positions = m.create(batch.maskedPositions());
                NDArray flat = enc.sequenceOutput().reshape(-1, model.config().hiddenSize());
                // rows of the masked positions, picked as PretrainingObjective picks them
                NDArray hidden = positions.getNDArrayInternal().embedding(positions, flat, SparseFormat.DENSE).get(0);
                NDArray mlmLog = model.maskedLmLogits(hidden).logSoftmax(-1);
                NDArray mlmLabels = m.create(batch.maskedLabels());
                mlmLossSum -= mlmLog.gather(mlmLabels.reshape(-1, 1), 1).sum().getFloat();
                masked += batch.maskedLabels().length;
                pairs += batch.batch();
                for (long label : batch.sentenceOrderLabels()) {
                    swapped += (int) label;
                }
                if (sop) {
                    NDArray logits = model.sentenceOrderLogits(enc.pooledOutput(), false);
                    NDArray labels = m.create(batch.sentenceOrderLabels());
                    sopLossSum -= logits.logSoftmax(-1).gather(labels.reshape(-1, 1), 1).sum().getFloat();
                    long[] predicted = logits.argMax(1).toLongArray();
                    for (int i = 0; i < predicted.length; i++) {
                        correct += predicted[i] == batch.sentenceOrderLabels()[i] ? 1 : 0;
                        predictedSwapped += (int) predicted[i];
                    }
                }
            }
        }
        if (pairs == 0) {
            throw new IllegalArgumentException("no pair to evaluate");
        }
        return new Result(pairs, sop ? (double) correct / pairs : Double.NaN, sop ? sopLossSum / pairs : Double.NaN,
                masked > 0 ? mlmLossSum / masked : Double.NaN, (double) swapped / pairs,
                sop ? (double) predictedSwapped / pairs : Double.NaN);
    }
}
