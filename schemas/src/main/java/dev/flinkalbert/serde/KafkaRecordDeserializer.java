package dev.flinkalbert.serde;

import java.io.IOException;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A Kafka {@link Deserializer} reading what {@link KafkaRecordFormat#serializer} writes, for plain Kafka consumers.
 * Made by Kafka from {@code value.deserializer}, it reads the record class from {@value SerdeOptions#RECORD_CLASS}.
 * A message it cannot read throws Kafka's {@link SerializationException} with the reason; a null value (tombstone)
 * stays null, as Kafka's deserializers do.
 *
 * @param <T> a generated record class
 */
@Internal
public class KafkaRecordDeserializer<T> implements Deserializer<T> {

    private Class<T> recordClass;
    private DeserializationSchema<T> schema;

    /** For Kafka, which then calls {@link #configure} with the consumer's settings. */
    public KafkaRecordDeserializer() {
    }

    public KafkaRecordDeserializer(KafkaRecordFormat format, Class<T> recordClass) {
        this.recordClass = recordClass;
        this.schema = format.deserializer(recordClass, null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (schema != null) {
            return;
        }
        KafkaRecordFormat format = KafkaRecordFormat.fromKafkaConfigs(configs);
        String className = format.recordClass();
        if (className == null) {
            throw new IllegalArgumentException("KafkaRecordDeserializer needs " + SerdeOptions.RECORD_CLASS
                    + ", the generated class to read, e.g. dev.flinkalbert.avro.TextEvent.");
        }
        try {
            recordClass = (Class<T>) Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(SerdeOptions.RECORD_CLASS + "=" + className + " is not on the class "
                    + "path.", e);
        }
        schema = format.deserializer(recordClass, null);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (schema == null) {
            throw new IllegalStateException("KafkaRecordDeserializer is not configured: give it a KafkaRecordFormat "
                    + "or let the consumer configure it with " + SerdeOptions.RECORD_CLASS + ".");
        }
        try {
            return schema.deserialize(data);
        } catch (IOException e) {
            throw new SerializationException("Cannot read a " + recordClass.getSimpleName() + " from topic " + topic
                    + ": " + e.getMessage(), e);
        }
    }
}
