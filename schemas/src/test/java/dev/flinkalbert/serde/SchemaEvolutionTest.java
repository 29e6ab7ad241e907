package dev.flinkalbert.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The next version of every schema ({@code src/test/resources/avro-next}: fields and enum symbols added, with
 * defaults) reads records written with this one, in every format; and this version reads records of the next.
 */
class SchemaEvolutionTest extends AllFormatsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The fields each next version adds, with the values a reader must fill in: their defaults. */
    private static final Map<String, String> ADDED_FIELDS = Map.of(
            "TextEvent", "{\"language\":null,\"priority\":0}",
            "ClassificationResult", "{\"latency_ms\":null}",
            "EmbeddingResult", "{\"dimensions\":0}",
            "QaAnswer", "{\"windows\":1,\"alternatives\":[]}",
            "EntityResult", "{\"windows\":1}",
            "DeadLetter", "{\"attempt\":1,\"headers\":{}}");

    @ParameterizedTest
    @MethodSource("records")
    <T extends SpecificRecord> void nextVersionReadsRecordsWrittenWithThisOne(T record) throws Exception {
        Schema next = nextVersion(record);
        assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(next, record.getSchema()).getType());
        GenericRecord resolvedByAvro = resolve(record, next);
        JsonNode thisVersion = json(JSON.serializer(recordClass(record), "t").serialize(record));

        for (KafkaRecordFormat format : new KafkaRecordFormat[] {confluent, SINGLE_OBJECT}) {
            byte[] bytes = format.serializer(recordClass(record), "evolving").serialize(record);
            GenericRecord read = format.deserializer(next).deserialize(bytes);
            assertEquals(resolvedByAvro, read, format.toString());
            assertFieldsOfThisVersionKeptAndAddedOnesDefaulted(thisVersion, read);
        }
        byte[] jsonBytes = JSON.serializer(recordClass(record), "t").serialize(record);
        assertFieldsOfThisVersionKeptAndAddedOnesDefaulted(thisVersion, JSON.deserializer(next).deserialize(jsonBytes));
    }

    @ParameterizedTest
    @MethodSource("records")
    <T extends SpecificRecord> void thisVersionReadsRecordsWrittenWithTheNext(T record) throws Exception {
        Schema next = nextVersion(record);
        assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(record.getSchema(), next).getType());
        GenericRecord written = resolve(record, next);

        byte[] confluentBytes = confluent.serializer(next, "evolving-" + next.getName()).serialize(written);
        assertEquals(record, confluent.deserializer(recordClass(record)).deserialize(confluentBytes));

        KafkaRecordFormat knowingTheNext = KafkaRecordFormat.fromMap(Map.of("format", "avro-single-object",
                "avro.known.schemas", "avro-next/" + next.getName() + ".avsc"));
        byte[] singleObjectBytes = SINGLE_OBJECT.serializer(next, "t").serialize(written);
        assertEquals(record, knowingTheNext.deserializer(recordClass(record)).deserialize(singleObjectBytes));

        byte[] jsonBytes = JSON.serializer(next, "t").serialize(written);
        assertEquals(record, JSON.deserializer(recordClass(record)).deserialize(jsonBytes));
    }

    /** {@code read} (next version) is the record of this version plus the added fields at their defaults. */
    private void assertFieldsOfThisVersionKeptAndAddedOnesDefaulted(JsonNode thisVersion, GenericRecord read)
            throws IOException {
        ObjectNode readJson = (ObjectNode) json(JSON.serializer(read.getSchema(), "t").serialize(read));
        JsonNode added = MAPPER.readTree(ADDED_FIELDS.get(read.getSchema().getName()));
        for (Iterator<String> names = added.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            assertEquals(added.get(name), readJson.remove(name), name);
        }
        if (readJson.has("scores")) { // ClassificationResult's nested LabelScore gained label_index
            for (JsonNode score : readJson.get("scores")) {
                assertEquals(-1, ((ObjectNode) score).remove("label_index").intValue());
            }
        }
        assertEquals(thisVersion, readJson);
    }

    /** Avro's own schema resolution of the record's plain binary encoding to {@code readerSchema}. */
    private static GenericRecord resolve(SpecificRecord record, Schema readerSchema) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<SpecificRecord>(record.getSchema(), ((SpecificRecordBase) record).getSpecificData())
                .write(record, encoder);
        encoder.flush();
        return new GenericDatumReader<GenericRecord>(record.getSchema(), readerSchema)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }

    private static Schema nextVersion(SpecificRecord record) throws IOException {
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream(
                "/avro-next/" + record.getSchema().getName() + ".avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    private static JsonNode json(byte[] bytes) throws IOException {
        return MAPPER.readTree(bytes);
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> Class<T> recordClass(T record) {
        return (Class<T>) record.getClass();
    }
}
