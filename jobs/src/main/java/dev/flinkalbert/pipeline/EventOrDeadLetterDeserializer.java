package dev.flinkalbert.pipeline;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.SourceRecord;
import dev.flinkalbert.avro.TextEvent;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads each Kafka record's value with the event format and never fails: a record that cannot be read (garbage,
 * another schema, an empty value, a tombstone) becomes a {@link DeadLetter} at {@link FailureStage#DESERIALIZE}
 * with the record's bytes, key and coordinates. An event without {@code event_time} gets the record's timestamp.
 * Every event read gets its {@code source} (topic, partition, offset, key and value as read), which it carries to the
 * later stages so that their dead letters carry the same replay fields as a {@code DESERIALIZE} one.
 */
final class EventOrDeadLetterDeserializer implements KafkaRecordDeserializationSchema<Either<TextEvent, DeadLetter>> {

    private final DeserializationSchema<TextEvent> eventFormat;

    EventOrDeadLetterDeserializer(DeserializationSchema<TextEvent> eventFormat) {
        this.eventFormat = Objects.requireNonNull(eventFormat, "eventFormat");
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
        eventFormat.open(context);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Either<TextEvent, DeadLetter>> out) {
        TextEvent event;
        try {
            event = read(record);
        } catch (Exception e) {
            out.collect(Either.Right(DeadLetters.forRecord(record, FailureStage.DESERIALIZE, e)));
            return;
        }
        if (event.getEventTime() == null && record.timestamp() >= 0) {
            event.setEventTime(Instant.ofEpochMilli(record.timestamp()));
        }
        // What a dead letter from a later stage needs to be replayed: where the event was read, and its bytes as read.
        event.setSource(SourceRecord.newBuilder()
                .setTopic(record.topic())
                .setPartition(record.partition())
                .setOffset(record.offset())
                .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setValue(ByteBuffer.wrap(record.value()))
                .build());
        out.collect(Either.Left(event));
    }

    private TextEvent read(ConsumerRecord<byte[], byte[]> record) throws Exception {
        byte[] value = record.value();
        if (value == null) {
            throw new IllegalArgumentException("The record has no value (a tombstone)");
        }
        if (value.length == 0) {
            throw new IllegalArgumentException("The record's value is empty (0 bytes)");
        }
        TextEvent event = eventFormat.deserialize(value);
        if (event == null) {
            throw new IllegalArgumentException("The event format read no event from " + value.length + " bytes");
        }
        if (event.getId() == null) {
            throw new IllegalArgumentException("The event has no id");
        }
        return event;
    }

    @Override
    public TypeInformation<Either<TextEvent, DeadLetter>> getProducedType() {
        return new EitherTypeInfo<>(TypeInformation.of(TextEvent.class), TypeInformation.of(DeadLetter.class));
    }
}
