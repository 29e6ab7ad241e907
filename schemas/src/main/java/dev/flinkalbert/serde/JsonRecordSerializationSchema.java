package dev.flinkalbert.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializationSchema;

/**
 * Writes records as natural JSON, one object per message, every field present; see {@link NaturalJson}.
 *
 * @param <T> a generated record class, or {@link org.apache.avro.generic.GenericRecord}
 */
@Internal
public class JsonRecordSerializationSchema<T extends GenericContainer> implements SerializationSchema<T> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public byte[] serialize(T record) {
        if (record == null) {
            return null;
        }
        Schema schema = record.getSchema();
        GenericData data = record instanceof SpecificRecord ? SpecificData.getForClass(record.getClass())
                : GenericData.get();
        try {
            return MAPPER.writeValueAsBytes(NaturalJson.toJson(record, schema, data));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write " + schema.getFullName() + " as JSON", e);
        }
    }
}
