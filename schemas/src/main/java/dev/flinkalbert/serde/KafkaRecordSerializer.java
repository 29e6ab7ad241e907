package dev.flinkalbert.serde;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka {@link Serializer} writing the bytes {@link KafkaRecordFormat#serializer} writes, for plain Kafka
 * producers. Configured the Confluent way:
 *
 * <pre>{@code
 * props.put("value.serializer", KafkaRecordSerializer.class.getName());
 * props.put("format", "avro-confluent");
 * props.put("schema.registry.url", "http://localhost:8081");
 * Producer<String, TextEvent> producer = new KafkaProducer<>(props);
 * }</pre>
 *
 * <p>Thread-safe, as a producer's serializer must be: {@link #serialize} is synchronized.
 *
 * @param <T> generated record classes, or {@link GenericRecord}
 */
@Internal
public class KafkaRecordSerializer<T extends GenericContainer> implements Serializer<T> {

    private KafkaRecordFormat format;
    private boolean isKey;
    /** One Flink schema per topic and writer schema. */
    private final Map<List<Object>, SerializationSchema<T>> schemas = new HashMap<>();

    /** For Kafka, which then calls {@link #configure} with the producer's settings. */
    public KafkaRecordSerializer() {
    }

    public KafkaRecordSerializer(KafkaRecordFormat format) {
        this.format = format;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (format == null) {
            format = KafkaRecordFormat.fromKafkaConfigs(configs);
        }
        this.isKey = isKey;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        if (format == null) {
            throw new IllegalStateException("KafkaRecordSerializer is not configured: give it a KafkaRecordFormat or "
                    + "let the producer configure it with " + SerdeOptions.FORMAT + " and "
                    + SerdeOptions.SCHEMA_REGISTRY_URL + ".");
        }
        SerializationSchema<T> schema = schemas.computeIfAbsent(List.of(topic, record.getSchema()), key ->
                record instanceof SpecificRecord
                        ? format.serializer((Class<T>) record.getClass(), null, topic, isKey)
                        : (SerializationSchema<T>) format.serializer(GenericRecord.class, record.getSchema(), topic,
                                isKey));
        return schema.serialize(record);
    }
}
