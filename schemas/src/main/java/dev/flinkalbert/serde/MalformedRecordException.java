package dev.flinkalbert.serde;

import java.io.IOException;
import org.apache.flink.annotation.PublicEvolving;

/**
 * A message that cannot be decoded: wrong magic byte, too short, unknown fingerprint, truncated or corrupt Avro,
 * invalid JSON. The message says which; the pipeline dead-letters the record with it.
 */
@PublicEvolving
public class MalformedRecordException extends IOException {
    private static final long serialVersionUID = 1L;

    public MalformedRecordException(String message) {
        super(message);
    }

    public MalformedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
