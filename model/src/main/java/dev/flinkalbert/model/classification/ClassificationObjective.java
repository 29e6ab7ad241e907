package dev.flinkalbert.model.classification;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.training.Losses;
import dev.flinkalbert.model.training.Objective;
import java.util.List;
import java.util.Map;

/** Cross-entropy of the classifier on the pooled output; and the predictions of a model on batches. */
public final class ClassificationObjective implements Objective<ClassificationBatch> {

    @Override
    public Loss loss(AlbertModel model, ClassificationBatch batch, boolean training) {
        NDArray loss = Losses.crossEntropy(logits(model, batch, training), model.manager().create(batch.labels()));
        return new Loss(loss, Map.of());
    }

    @Override
    public long tokens(ClassificationBatch batch) {
        return batch.realTokens();
    }

    private static NDArray logits(AlbertModel model, ClassificationBatch batch, boolean training) {
        NDManager m = model.manager();
        Shape shape = new Shape(batch.batch(), batch.length());
        AlbertModel.Encoded enc = model.encode(m.create(batch.inputIds(), shape), m.create(batch.attentionMask(), shape),
                m.create(batch.tokenTypeIds(), shape), training);
        return model.classifierLogits(enc.pooledOutput(), training);
    }

    /** Accuracy, macro-F1 and confusion of the model on {@code data} (labels from the model's config). */
    public static ClassificationMetrics evaluate(AlbertModel model, ClassificationData data) {
        List<String> labels = model.config().id2label().isEmpty()
                ? java.util.stream.IntStream.range(0, AlbertModel.numLabels(model.config())).mapToObj(i -> "LABEL_" + i).toList()
                : model.config().id2label();
        return ClassificationMetrics.of(labels, data.labels(), predict(model, data.inOrder()));
    }

    /** The predicted class of every row of the batches, in order (dropout off). */
    public static int[] predict(AlbertModel model, List<ClassificationBatch> batches) {
        int n = batches.stream().mapToInt(ClassificationBatch::batch).sum();
        int[] out = new int[n];
        int at = 0;
        for (ClassificationBatch b : batches) {
            try (NDScope scope = new NDScope()) {
                long[] predicted = logits(model, b, false).argMax(1).toLongArray();
                for (long p : predicted) {
                    out[at++] = (int) p;
                }
            }
        }
        return out;
    }
}
