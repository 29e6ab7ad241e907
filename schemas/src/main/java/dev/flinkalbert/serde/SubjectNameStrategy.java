package dev.flinkalbert.serde;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.flink.annotation.PublicEvolving;

/** How the registry subject of a topic's values (or keys) is named, as Confluent's strategies of the same names. */
@PublicEvolving
public enum SubjectNameStrategy {
    /** {@code <topic>-value} (or {@code -key}): one record type per topic, evolution checked per topic. */
    TOPIC_NAME("TopicNameStrategy"),
    /** The record's full name: one record type evolving across every topic it is written to. */
    RECORD_NAME("RecordNameStrategy"),
    /** {@code <topic>-<record full name>}: several record types per topic. */
    TOPIC_RECORD_NAME("TopicRecordNameStrategy");

    private final String confluentName;

    SubjectNameStrategy(String confluentName) {
        this.confluentName = confluentName;
    }

    /** The simple class name Confluent uses for this strategy. */
    public String confluentName() {
        return confluentName;
    }

    /** The subject for a record of {@code schema} written to {@code topic}. */
    public String subject(String topic, boolean isKey, Schema schema) {
        return switch (this) {
            case TOPIC_NAME -> topic + (isKey ? "-key" : "-value");
            case RECORD_NAME -> schema.getFullName();
            case TOPIC_RECORD_NAME -> topic + "-" + schema.getFullName();
        };
    }

    /** Parses {@code TopicNameStrategy} or Confluent's class name {@code io.confluent….TopicNameStrategy}. */
    public static SubjectNameStrategy fromOptionValue(String value) {
        String simpleName = value.substring(value.lastIndexOf('.') + 1).trim();
        for (SubjectNameStrategy strategy : values()) {
            if (strategy.confluentName.equalsIgnoreCase(simpleName)) {
                return strategy;
            }
        }
        throw new IllegalArgumentException("Unknown " + SerdeOptions.VALUE_SUBJECT_NAME_STRATEGY + " '" + value
                + "'; use one of " + Arrays.stream(values()).map(SubjectNameStrategy::confluentName)
                        .collect(Collectors.joining(", ")));
    }
}
