package dev.flinkalbert.flink;

import dev.flinkalbert.avro.FailureStage;

import java.util.Objects;

/**
 * The result of processing one record: a value, or the reason the record failed (it then goes to the dead-letter
 * output).
 *
 * @param <OUT> the result type
 */
public final class Outcome<OUT> {

    private final OUT value;
    private final FailureStage stage;
    private final String errorClass;
    private final String message;

    private Outcome(OUT value, FailureStage stage, String errorClass, String message) {
        this.value = value;
        this.stage = stage;
        this.errorClass = errorClass;
        this.message = message;
    }

    /** A processed record. */
    public static <OUT> Outcome<OUT> success(OUT value) {
        return new Outcome<>(Objects.requireNonNull(value, "value"), null, null, null);
    }

    /** A record that failed with an exception. */
    public static <OUT> Outcome<OUT> failure(FailureStage stage, Throwable error) {
        String message = error.getMessage() != null ? error.getMessage() : error.toString();
        return failure(stage, error.getClass().getName(), message);
    }

    /** A record that failed without an exception, e.g. a text that tokenizes to nothing. */
    public static <OUT> Outcome<OUT> failure(FailureStage stage, String errorClass, String message) {
        return new Outcome<>(
                null,
                Objects.requireNonNull(stage, "stage"),
                Objects.requireNonNull(errorClass, "errorClass"),
                Objects.requireNonNull(message, "message"));
    }

    public boolean isSuccess() {
        return stage == null;
    }

    /** The result; only for a success. */
    public OUT value() {
        if (!isSuccess()) {
            throw new IllegalStateException("a failed outcome has no value: " + message);
        }
        return value;
    }

    /** Where it failed; only for a failure. */
    public FailureStage stage() {
        return stage;
    }

    /** The failure's exception class name; only for a failure. */
    public String errorClass() {
        return errorClass;
    }

    /** Why it failed; only for a failure. */
    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return isSuccess() ? "success(" + value + ")" : "failure(" + stage + ", " + errorClass + ": " + message + ")";
    }
}
