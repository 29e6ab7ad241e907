package dev.flinkalbert.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;

/**
 * Reads records from natural JSON, one object per message ({@code {"id":"1","text":"hi","attributes":{}}}); see
 * {@link NaturalJson}. Every failure is a {@link MalformedRecordException} naming the cause and the field.
 *
 * @param <T> a generated record class, or {@link GenericRecord}
 */
@Internal
public class JsonRecordDeserializationSchema<T> implements DeserializationSchema<T> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper MAPPER =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Class<T> recordClass;
    private final String readerSchemaJson;

    private transient Schema readerSchema;
    private transient GenericData model;

    /**
     * @param recordClass a generated record class, or {@link GenericRecord}
     * @param readerSchema null for a generated class (its own schema); required for {@link GenericRecord}
     */
    public JsonRecordDeserializationSchema(Class<T> recordClass, Schema readerSchema) {
        this.recordClass = recordClass;
        this.readerSchemaJson = readerSchema == null ? null : readerSchema.toString();
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(byte[] message) throws IOException {
        if (message == null || message.length == 0) {
            throw new MalformedRecordException("The message is " + (message == null ? "null (a tombstone)" : "empty")
                    + ": a json message is one JSON object.");
        }
        initialize();
        String text;
        try {
            // JSON in Kafka is UTF-8 (RFC 8259); Jackson would guess UTF-16/32 from leading zero bytes.
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(message)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedRecordException("The message is not UTF-8 text, so not JSON" + formatHint(message)
                    + ": " + e, e);
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new MalformedRecordException("The message is not valid JSON" + formatHint(message) + ": "
                    + e.getOriginalMessage(), e);
        }
        return (T) NaturalJson.fromJson(tree, readerSchema, model, "$");
    }

    /** Names the Avro format a message seems to be in, the usual cause of unreadable JSON. */
    private static String formatHint(byte[] message) {
        if (message[0] == ConfluentSchemaCoder.MAGIC_BYTE) {
            return " (it starts with 0x00, as avro-confluent messages do)";
        }
        if (message.length > 1 && (message[0] & 0xFF) == SingleObjectSchemaCoder.MARKER_0
                && message[1] == SingleObjectSchemaCoder.MARKER_1) {
            return " (it starts with C3 01, as avro-single-object messages do)";
        }
        return "";
    }

    @Override
    public boolean isEndOfStream(T nextElement) {
        return false;
    }

    @Override
    @SuppressWarnings("unchecked")
    public TypeInformation<T> getProducedType() {
        return GenericRecord.class.equals(recordClass)
                ? (TypeInformation<T>) new GenericRecordAvroTypeInfo(new Schema.Parser().parse(readerSchemaJson))
                : (TypeInformation<T>) new AvroTypeInfo<>(recordClass.asSubclass(
                        org.apache.avro.specific.SpecificRecordBase.class));
    }

    private void initialize() {
        if (model == null) {
            boolean generic = GenericRecord.class.equals(recordClass);
            model = generic ? GenericData.get() : SpecificData.getForClass(recordClass);
            readerSchema = generic ? new Schema.Parser().parse(readerSchemaJson)
                    : ((SpecificData) model).getSchema(recordClass);
        }
    }
}
