package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;

/**
 * ONNX Runtime failed on a whole batch. Thrown by {@link AlbertPredictor#predict(java.util.List)}; per-input problems
 * are {@link Outcome} failures instead. A caller may bisect the batch to find an input that makes the model fail.
 */
@PublicEvolving
public final class InferenceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
