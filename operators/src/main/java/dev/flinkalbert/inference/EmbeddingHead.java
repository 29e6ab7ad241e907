package dev.flinkalbert.inference;

import java.util.Set;

/** Reads a sentence embedding from the encoder outputs of one row. */
final class EmbeddingHead {

    /** torch.nn.functional.normalize's floor on the norm, so an all-zero vector stays zero. */
    private static final double NORM_EPSILON = 1e-12;

    private final Pooling pooling;
    private final boolean normalize;

    EmbeddingHead(Pooling pooling, boolean normalize) {
        this.pooling = pooling;
        this.normalize = normalize;
    }

    /** The one output this pooling needs. */
    Set<String> outputs() {
        return Set.of(pooling == Pooling.POOLER ? ModelContract.POOLER_OUTPUT : ModelContract.LAST_HIDDEN_STATE);
    }

    Embedding read(EncoderOutputs out, int row) {
        float[] vector = switch (pooling) {
            case POOLER -> out.vector(ModelContract.POOLER_OUTPUT, row);
            case CLS -> out.tokenVector(ModelContract.LAST_HIDDEN_STATE, row, 0);
            case MEAN -> out.tokenMean(ModelContract.LAST_HIDDEN_STATE, row);
        };
        return new Embedding(normalize ? l2Normalize(vector) : vector, out.length(row));
    }

    static float[] l2Normalize(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        double norm = Math.max(Math.sqrt(sum), NORM_EPSILON);
        float[] out = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            out[i] = (float) (vector[i] / norm);
        }
        return out;
    }
}
