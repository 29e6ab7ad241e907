package dev.flinkalbert.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.TextEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record type in every format: the bytes as the format's specification lays them out, and back. */
class RecordFormatsRoundTripTest extends AllFormatsTest {

    @ParameterizedTest
    @MethodSource("records")
    <T extends SpecificRecord> void avroConfluentIsMagicByteSchemaIdAndAvroBinary(T record) throws Exception {
        String topic = "topic-" + record.getSchema().getName();
        byte[] bytes = serializer(confluent, record, topic).serialize(record);

        int registeredId = registry.register(topic + "-value", record.getSchema()); // idempotent: the same id
        ByteBuffer header = ByteBuffer.wrap(bytes, 0, 5).order(ByteOrder.BIG_ENDIAN);
        assertEquals(0x00, header.get());
        assertEquals(registeredId, header.getInt());
        assertArrayEquals(avroBinary(record), Arrays.copyOfRange(bytes, 5, bytes.length));
        assertEquals(record, deserializer(confluent, record).deserialize(bytes));
    }

    @ParameterizedTest
    @MethodSource("records")
    <T extends SpecificRecord> void avroSingleObjectIsMarkerFingerprintAndAvroBinary(T record) throws Exception {
        byte[] bytes = serializer(SINGLE_OBJECT, record, "any").serialize(record);

        ByteBuffer header = ByteBuffer.wrap(bytes, 0, 10).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((byte) 0xC3, header.get());
        assertEquals((byte) 0x01, header.get());
        assertEquals(SchemaNormalization.parsingFingerprint64(record.getSchema()), header.getLong());
        assertArrayEquals(avroBinary(record), Arrays.copyOfRange(bytes, 10, bytes.length));
        // Avro's own implementation of the specification writes the same bytes and reads ours.
        assertArrayEquals(toArray((ByteBuffer) record.getClass().getMethod("toByteBuffer").invoke(record)), bytes);
        assertEquals(record, record.getClass().getMethod("fromByteBuffer", ByteBuffer.class)
                .invoke(null, ByteBuffer.wrap(bytes)));
        assertEquals(record, deserializer(SINGLE_OBJECT, record).deserialize(bytes));
    }

    @ParameterizedTest
    @MethodSource("records")
    <T extends SpecificRecord> void jsonRoundTrips(T record) throws Exception {
        byte[] bytes = serializer(JSON, record, "any").serialize(record);
        assertEquals(record, deserializer(JSON, record).deserialize(bytes));
    }

    @Test
    void jsonIsNaturalJson() throws Exception {
        TextEvent event = JSON.deserializer(TextEvent.class)
                .deserialize("{\"id\":\"1\",\"text\":\"hi\",\"attributes\":{}}".getBytes(StandardCharsets.UTF_8));
        assertEquals("1", event.getId());
        assertEquals("hi", event.getText());
        assertNull(event.getTextPair());
        assertNull(event.getEventTime());
        assertEquals(Map.of(), event.getAttributes());

        assertEquals("{\"id\":\"1\",\"text\":\"hi\",\"text_pair\":null,\"question\":null,\"context\":null,"
                + "\"attributes\":{},\"event_time\":null}", json(JSON.serializer(TextEvent.class, "t"), event));

        DeadLetter letter = DeadLetter.newBuilder().setOriginal(ByteBuffer.wrap(new byte[] {0, 1, (byte) 0xFF}))
                .setStage(FailureStage.INFERENCE).setErrorClass("java.lang.IllegalStateException")
                .setMessage("boom").setTime(Instant.ofEpochMilli(1714566896789L)).build();
        assertEquals("{\"original\":\"AAH/\",\"original_key\":null,\"topic\":null,\"partition\":null,\"offset\":null,"
                + "\"id\":null,\"stage\":\"INFERENCE\",\"error_class\":\"java.lang.IllegalStateException\","
                + "\"message\":\"boom\",\"time\":1714566896789}", json(JSON.serializer(DeadLetter.class, "t"), letter));
    }

    @Test
    void jsonReadsIsoTimestampsAndNumericIds() throws Exception {
        TextEvent event = JSON.deserializer(TextEvent.class).deserialize(
                "{\"id\":7,\"text\":\"hi\",\"event_time\":\"2024-05-01T12:34:56.789Z\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals("7", event.getId());
        assertEquals(SampleRecords.TIME, event.getEventTime());
        assertEquals(Map.of(), event.getAttributes(), "a missing field takes its default");
    }

    private static String json(SerializationSchema<?> schema, Object record) throws IOException {
        @SuppressWarnings("unchecked")
        byte[] bytes = ((SerializationSchema<Object>) schema).serialize(record);
        String text = new String(bytes, StandardCharsets.UTF_8);
        new ObjectMapper().readTree(text); // valid JSON
        return text;
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> SerializationSchema<T> serializer(KafkaRecordFormat format, T record,
            String topic) {
        return format.serializer((Class<T>) record.getClass(), topic);
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> DeserializationSchema<T> deserializer(KafkaRecordFormat format,
            T record) {
        return format.deserializer((Class<T>) record.getClass());
    }

    /** Plain Avro binary, written by Avro's own writer. */
    private static byte[] avroBinary(SpecificRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<SpecificRecord>(record.getSchema(), ((SpecificRecordBase) record).getSpecificData())
                .write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
