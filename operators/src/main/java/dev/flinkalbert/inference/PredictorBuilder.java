package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Settings every predictor has: how a flush is cut into ONNX Runtime calls.
 *
 * @param <B> the concrete builder
 * @param <P> the predictor it builds
 */
@PublicEvolving
public abstract class PredictorBuilder<B extends PredictorBuilder<B, P>, P> {

    final AlbertModel model;
    int maxBatchSize = AlbertEncoder.DEFAULT_MAX_BATCH_SIZE;
    int tokenBudget = AlbertEncoder.DEFAULT_TOKEN_BUDGET;

    PredictorBuilder(AlbertModel model) {
        this.model = model;
    }

    /** Most sequences in one ONNX Runtime call (default {@value AlbertEncoder#DEFAULT_MAX_BATCH_SIZE}). */
    public B maxBatchSize(int rows) {
        this.maxBatchSize = rows;
        return self();
    }

    /**
     * Most padded tokens (sequences × longest sequence) in one ONNX Runtime call (default
     * {@value AlbertEncoder#DEFAULT_TOKEN_BUDGET}); a longer single sequence still goes alone.
     */
    public B tokenBudget(int tokens) {
        this.tokenBudget = tokens;
        return self();
    }

    /** Checks the settings against the model and makes the predictor (with its own reusable buffers). */
    public abstract P build();

    @SuppressWarnings("unchecked")
    B self() {
        return (B) this;
    }

    void requireTask(ModelTask task, String predictor) {
        if (model.task() != task) {
            throw new IllegalStateException(predictor + " needs a " + task + " model, but " + model.directory()
                    + " is a " + model.task() + " model (outputs " + model.outputNames() + ")");
        }
    }

    int checkMaxLength(int maxLength, String setter) {
        if (maxLength < 3 || maxLength > model.maxLength()) {
            throw new IllegalArgumentException(setter + " must be between 3 and the model's max_position_embeddings "
                    + model.maxLength() + ", got " + maxLength);
        }
        return maxLength;
    }
}
