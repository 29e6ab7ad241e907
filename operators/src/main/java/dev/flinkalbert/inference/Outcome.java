package dev.flinkalbert.inference;

import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The result for one input of a batch: a value, or the exception that made this one input fail (a null text, a
 * tokenizer error) while the rest of the batch went through. The one outcome type of the engine and of Flink's
 * micro-batching ({@code dev.flinkalbert.flink.BatchProcessor}), which routes failures to its dead-letter output
 * with {@link #error()} as the reason and the processor's {@code failureStage(error)} as the stage.
 */
@PublicEvolving
public final class Outcome<T> {

    private final T value;
    private final Exception error;

    private Outcome(T value, Exception error) {
        this.value = value;
        this.error = error;
    }

    /** A success. */
    public static <T> Outcome<T> success(T value) {
        return new Outcome<>(Objects.requireNonNull(value, "value"), null);
    }

    /** A failure of this one input. */
    public static <T> Outcome<T> failure(Exception error) {
        return new Outcome<>(null, Objects.requireNonNull(error, "error"));
    }

    public boolean isSuccess() {
        return error == null;
    }

    /**
     * The value.
     *
     * @throws IllegalStateException for a failure, with the failure as its cause
     */
    public T value() {
        if (error != null) {
            throw new IllegalStateException("this input failed: " + error.getMessage(), error);
        }
        return value;
    }

    /** The failure, or null for a success. */
    public Exception error() {
        return error;
    }

    @Override
    public String toString() {
        return error == null ? "Success[" + value + "]" : "Failure[" + error + "]";
    }
}
