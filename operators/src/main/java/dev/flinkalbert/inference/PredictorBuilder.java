package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;

/**
 * The engine-side builder of a head's predictor on an opened model: the settings every head shares
 * ({@link PredictorLimits}) and the head's own options, kept in its {@link TaskSpec}, which checks and builds.
 *
 * @param <B> the concrete builder
 * @param <P> the predictor it builds
 * @param <S> the head's spec
 */
@PublicEvolving
public abstract class PredictorBuilder<B extends PredictorBuilder<B, P, S>, P, S extends TaskSpec<?>> {

    final AlbertModel model;
    PredictorLimits limits = PredictorLimits.DEFAULTS;
    S spec;

    PredictorBuilder(AlbertModel model, S defaults) {
        this.model = model;
        this.spec = defaults;
    }

    /** Most sequences in one ONNX Runtime call (see {@link PredictorLimits#maxBatchSize()}). */
    public B maxBatchSize(int rows) {
        this.limits = limits.withMaxBatchSize(rows);
        return self();
    }

    /** Most padded tokens in one ONNX Runtime call (see {@link PredictorLimits#tokenBudget()}). */
    public B tokenBudget(int tokens) {
        this.limits = limits.withTokenBudget(tokens);
        return self();
    }

    /** Longest tokenized input, or question answering's window (see {@link PredictorLimits#maxLength()}). */
    public B maxLength(int tokens) {
        this.limits = limits.withMaxLength(tokens);
        return self();
    }

    /** All the head's options at once. */
    public B spec(S spec) {
        this.spec = java.util.Objects.requireNonNull(spec, "spec");
        return self();
    }

    /**
     * Checks the settings against the model and makes the predictor (with its own reusable buffers).
     *
     * @throws IllegalStateException when the model computes another task
     * @throws IllegalArgumentException listing every setting that does not fit
     */
    public abstract P build();

    @SuppressWarnings("unchecked")
    B self() {
        return (B) this;
    }
}
