package dev.flinkalbert.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Sentence embeddings ({@link ModelTask#EMBEDDINGS}) from a base (feature-extraction) model.
 *
 * @param pooling how the vector is taken (default {@link #DEFAULT_POOLING})
 * @param normalize whether vectors are scaled to unit L2 norm (default false)
 */
@PublicEvolving
public record EmbeddingSpec(Pooling pooling, boolean normalize) implements TaskSpec<Embedding> {

    /** Default pooling: the mean over the real tokens. */
    public static final Pooling DEFAULT_POOLING = Pooling.MEAN;

    /** Every option at its default. */
    public static final EmbeddingSpec DEFAULTS = new EmbeddingSpec(DEFAULT_POOLING, false);

    public EmbeddingSpec {
        Objects.requireNonNull(pooling, "pooling");
    }

    public EmbeddingSpec withPooling(Pooling pooling) {
        return new EmbeddingSpec(pooling, normalize);
    }

    public EmbeddingSpec withNormalize(boolean normalize) {
        return new EmbeddingSpec(pooling, normalize);
    }

    @Override
    public ModelTask task() {
        return ModelTask.EMBEDDINGS;
    }

    @Override
    public void check(List<String> problems) {
        // every pooling and normalize value is valid; whether the model has the pooling's output is checked on it
    }

    @Override
    public Embedder predictor(AlbertModel model, PredictorLimits limits) {
        TaskSpec.requireTask(model, task(), "an embedder");
        List<String> problems = new ArrayList<>();
        limits.check(problems);
        int maxLength = limits.maxLength(model, model.maxLength(), problems);
        TaskSpec.throwIfAny(problems);
        EmbeddingHead head = new EmbeddingHead(pooling, normalize);
        if (!model.outputNames().containsAll(head.outputs())) {
            throw new IllegalStateException("Pooling." + pooling + " needs output " + head.outputs() + " but "
                    + model.directory() + " has only " + model.outputNames() + ": use Pooling.MEAN or CLS");
        }
        return new Embedder(model, head, limits, maxLength);
    }
}
