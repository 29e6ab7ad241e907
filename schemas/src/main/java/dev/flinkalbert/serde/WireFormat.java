package dev.flinkalbert.serde;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.flink.annotation.PublicEvolving;

/** How a record's value is laid out in a Kafka message. */
@PublicEvolving
public enum WireFormat {
    /** {@code 0x00}, 4-byte big-endian schema id, Avro binary: Confluent's format, with a schema registry. */
    AVRO_CONFLUENT("avro-confluent"),
    /** {@code C3 01}, 8-byte little-endian CRC-64-AVRO fingerprint, Avro binary: no registry needed. */
    AVRO_SINGLE_OBJECT("avro-single-object"),
    /** Natural JSON, one object per message: {@code {"id":"1","text":"hi","attributes":{}}}. */
    JSON("json");

    private final String optionValue;

    WireFormat(String optionValue) {
        this.optionValue = optionValue;
    }

    /** The value of the {@value SerdeOptions#FORMAT} option that selects this format. */
    public String optionValue() {
        return optionValue;
    }

    /** Parses a {@value SerdeOptions#FORMAT} option value. */
    public static WireFormat fromOptionValue(String value) {
        for (WireFormat format : values()) {
            if (format.optionValue.equalsIgnoreCase(value.trim())) {
                return format;
            }
        }
        throw new IllegalArgumentException("Unknown " + SerdeOptions.FORMAT + " '" + value + "'; use one of "
                + Arrays.stream(values()).map(WireFormat::optionValue).collect(Collectors.joining(", ")));
    }
}
