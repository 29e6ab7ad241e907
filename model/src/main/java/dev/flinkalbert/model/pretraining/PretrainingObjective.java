package dev.flinkalbert.model.pretraining;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.training.Losses;
import dev.flinkalbert.model.training.Objective;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ALBERT's pretraining loss: masked-LM cross-entropy over the masked positions plus sentence-order cross-entropy
 * ({@link AlbertTask#PRETRAINING}); a {@link AlbertTask#MASKED_LM} model trains on masked LM alone (the ablation
 * without SOP). The MLM head runs only on the masked positions (about 15% of the tokens), which saves most of the
 * V-wide output.
 */
public final class PretrainingObjective implements Objective<PretrainingBatch> {

    @Override
    public Loss loss(AlbertModel model, PretrainingBatch batch, boolean training) {
        NDManager m = model.manager();
        Shape shape = new Shape(batch.batch(), batch.length());
        AlbertModel.Encoded enc = model.encode(m.create(batch.inputIds(), shape), m.create(batch.attentionMask(), shape),
                m.create(batch.tokenTypeIds(), shape), training);
        NDArray hidden = enc.sequenceOutput().reshape(-1, model.config().hiddenSize());
        NDArray positions = m.create(batch.maskedPositions());
        // rows of the flattened hidden states, through the embedding lookup so gradients reach them
        NDArray picked = positions.getNDArrayInternal().embedding(positions, hidden, SparseFormat.DENSE).get(0);
        NDArray mlm = Losses.crossEntropy(model.maskedLmLogits(picked), m.create(batch.maskedLabels()));
        Map<String, NDArray> parts = new LinkedHashMap<>();
        parts.put("mlm", mlm);
        if (model.task() != AlbertTask.PRETRAINING) {
            return new Loss(mlm, parts);
        }
        NDArray sop = Losses.crossEntropy(model.sentenceOrderLogits(enc.pooledOutput(), training),
                m.create(batch.sentenceOrderLabels()));
        parts.put("sop", sop);
        return new Loss(mlm.add(sop), parts);
    }

    @Override
    public long tokens(PretrainingBatch batch) {
        return batch.realTokens();
    }
}
