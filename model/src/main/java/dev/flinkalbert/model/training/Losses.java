package dev.flinkalbert.model.training;

import ai.djl.ndarray.NDArray;

/** Loss functions written from NDArray operations (no Number arithmetic: see {@link AdamW}). */
public final class Losses {

    private Losses() {}

    /** Mean cross-entropy of logits {@code [n, C]} against int64 class ids {@code [n]}. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logProbabilities = logits.logSoftmax(-1);
        return logProbabilities.gather(labels.reshape(-1, 1), 1).mean().neg();
    }
}
