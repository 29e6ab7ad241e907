package dev.flinkalbert.serde;

import java.io.IOException;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The schema registry could not answer: unreachable, refused the credentials, does not know a schema id or
 * subject, or answered something unexpected. The message names the URL, the request and what to check.
 */
@PublicEvolving
public class SchemaRegistryException extends IOException {
    private static final long serialVersionUID = 1L;

    /** HTTP status of the registry's answer; 0 when there was no answer. */
    private final int httpStatus;

    public SchemaRegistryException(String message, int httpStatus, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
