package dev.flinkalbert.flink;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.util.function.SerializableFunction;

import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * Fills the record-specific fields of a {@link DeadLetter}: the original bytes, the id and, where known, the Kafka
 * key, topic, partition and offset. The batching code adds the stage, error class, message and time.
 *
 * <pre>{@code
 * // Keep the Kafka record's value bytes next to the decoded event, then:
 * DeadLetterFields<RawEvent> fields = DeadLetterFields.of(RawEvent::valueBytes, raw -> raw.event().getId());
 * }</pre>
 *
 * @param <IN> the record type
 */
@FunctionalInterface
@PublicEvolving
public interface DeadLetterFields<IN> extends Serializable {

    /** Copies what is known about {@code record} into {@code builder}. */
    void describe(IN record, DeadLetter.Builder builder);

    /** Original bytes and id from two functions; either may return null. */
    static <IN> DeadLetterFields<IN> of(
            SerializableFunction<IN, byte[]> originalBytes, SerializableFunction<IN, String> id) {
        return (record, builder) -> {
            byte[] bytes = originalBytes.apply(record);
            builder.setOriginal(bytes == null ? null : ByteBuffer.wrap(bytes)).setId(id.apply(record));
        };
    }

    /** Records only the failure: for records that carry neither original bytes nor an id. */
    static <IN> DeadLetterFields<IN> none() {
        return (record, builder) -> {};
    }

    /**
     * The dead letter of {@code record} that failed at {@code stage} with {@code error}, made by
     * {@link DeadLetterBuilder} as every stage's are. A failure of {@link #describe} itself does not lose the record:
     * the dead letter then says so in its message.
     */
    default DeadLetter deadLetter(IN record, FailureStage stage, Exception error) {
        return DeadLetterBuilder.failure(stage, error).describedBy(builder -> describe(record, builder)).build();
    }
}
