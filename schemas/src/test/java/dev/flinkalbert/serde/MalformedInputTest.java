package dev.flinkalbert.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.TextEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * Messages no deserializer can read give an exception that says why (the pipeline dead-letters them with it):
 * never a null, a hang, a huge allocation, or a misread of the next message.
 */
@Timeout(60)
class MalformedInputTest extends AllFormatsTest {
    private static final byte[] FIVE_MB_OF_NOISE = new byte[5 << 20];

    @BeforeAll
    static void makeNoise() {
        new Random(42).nextBytes(FIVE_MB_OF_NOISE);
    }

    @Test
    void avroConfluent() throws Exception {
        DeserializationSchema<TextEvent> in = confluent.deserializer(TextEvent.class);
        byte[] good = confluent.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent());

        assertMalformed("The message has no value (null, a tombstone): there is no record to read.",
                () -> in.deserialize(null));
        assertMalformed("The message is empty: an avro-confluent message starts with the magic byte 0x00 and a "
                + "4-byte schema id.", () -> in.deserialize(new byte[0]));
        assertMalformed("The message starts with 0x7B, not the magic byte 0x00 of the avro-confluent format: it was "
                + "written in another format (JSON, single-object Avro, plain Avro?) or is not a record of this "
                + "topic.", () -> in.deserialize("{\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8)));
        assertMalformed("The message is too short: an avro-confluent message has a 5-byte header (magic byte 0x00 "
                + "and a 4-byte schema id) before the record.", () -> in.deserialize(new byte[] {0, 0, 0}));
        assertMalformed("The message (" + (good.length - 3) + " bytes) ends inside the dev.flinkalbert.avro.TextEvent "
                + "record its header announces: it is truncated.",
                () -> in.deserialize(Arrays.copyOf(good, good.length - 3)));
        assertMalformed("2 bytes follow the dev.flinkalbert.avro.TextEvent record: the message was not written "
                + "with the schema its header announces.", () -> in.deserialize(Arrays.copyOf(good, good.length + 2)));
        // id 1, then a string length of 2^30 (zig-zag varint 80 80 80 80 08) with 3 bytes behind it.
        assertMalformed("The record claims a string of 1073741824 bytes, but only 3 bytes are left in the message: "
                + "it is corrupt or truncated.",
                () -> in.deserialize(new byte[] {0, 0, 0, 0, 1, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                        0x08, 'a', 'b', 'c'}));
        assertTrue(assertThrows(IOException.class, () -> in.deserialize(FIVE_MB_OF_NOISE)).getMessage() != null);
        assertThrows(MalformedRecordException.class, () -> in.deserialize(withHeader(good, 5, FIVE_MB_OF_NOISE)));

        assertEquals(SampleRecords.textEvent(), in.deserialize(good), "a good message after bad ones reads right");
    }

    @Test
    void avroSingleObject() throws Exception {
        DeserializationSchema<TextEvent> in = SINGLE_OBJECT.deserializer(TextEvent.class);
        byte[] good = SINGLE_OBJECT.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent());

        assertMalformed("The message is empty: an avro-single-object message starts with C3 01 and an 8-byte schema "
                + "fingerprint.", () -> in.deserialize(new byte[0]));
        assertMalformed("The message starts with 00 00, not the marker C3 01 of Avro single-object encoding: it was "
                + "written in another format (Confluent Avro, JSON?).", () -> in.deserialize(new byte[] {0, 0, 0, 1}));
        assertMalformed("The message starts with 68 (end), not the marker C3 01 of Avro single-object encoding: it "
                + "was written in another format (Confluent Avro, JSON?).", () -> in.deserialize(new byte[] {'h'}));
        assertMalformed("The message is too short: an avro-single-object message has a 10-byte header (C3 01 and an "
                + "8-byte fingerprint) before the record.", () -> in.deserialize(Arrays.copyOf(good, 6)));
        byte[] unknown = good.clone();
        Arrays.fill(unknown, 2, 10, (byte) 0x11);
        String message = assertThrows(MalformedRecordException.class, () -> in.deserialize(unknown)).getMessage();
        assertTrue(message.startsWith("The message was written with a schema of fingerprint 1111111111111111, which "
                + "this reader does not know. It knows dev.flinkalbert.avro.TextEvent ("), message);
        assertTrue(message.endsWith("Add the writer's schema to avro.known.schemas."), message);
        byte[] classification = SINGLE_OBJECT.serializer(ClassificationResult.class, "t")
                .serialize(SampleRecords.classification());
        assertTrue(assertThrows(MalformedRecordException.class, () -> in.deserialize(classification)).getMessage()
                .startsWith("The message was written with schema dev.flinkalbert.avro.ClassificationResult that this "
                        + "reader (dev.flinkalbert.avro.TextEvent) cannot read: "));
        assertThrows(MalformedRecordException.class, () -> in.deserialize(Arrays.copyOf(good, good.length - 1)));
        assertThrows(MalformedRecordException.class, () -> in.deserialize(FIVE_MB_OF_NOISE));
        assertThrows(MalformedRecordException.class, () -> in.deserialize(withHeader(good, 10, FIVE_MB_OF_NOISE)));

        assertEquals(SampleRecords.textEvent(), in.deserialize(good), "a good message after bad ones reads right");
    }

    @Test
    void json() throws Exception {
        DeserializationSchema<TextEvent> in = JSON.deserializer(TextEvent.class);
        assertMalformed("The message is empty: a json message is one JSON object.", () -> in.deserialize(new byte[0]));
        assertMalformed("The message is null (a tombstone): a json message is one JSON object.",
                () -> in.deserialize(null));
        assertMalformed("The JSON lacks the required field $.id.", () -> json(in, "{\"text\":\"hi\"}"));
        assertMalformed("The JSON has object {} at $.id where a string belongs.", () -> json(in, "{\"id\":{}}"));
        assertMalformed("The JSON has array [] at $ where an object belongs.", () -> json(in, "[]"));
        assertMalformed("The JSON has boolean true at $.attributes.k where a string belongs.",
                () -> json(in, "{\"id\":\"1\",\"attributes\":{\"k\":true}}"));
        assertMalformed("The JSON has 'tomorrow' at $.event_time, which is neither epoch milliseconds nor an ISO-8601 "
                + "instant such as 2024-05-01T12:00:00Z.", () -> json(in, "{\"id\":\"1\",\"event_time\":\"tomorrow\"}"));
        assertMalformed("The JSON has 'NOPE' at $.stage, which is none of [DESERIALIZE, VALIDATE, TOKENIZE, "
                + "INFERENCE, SERIALIZE, UNKNOWN].", () -> JSON.deserializer(DeadLetter.class).deserialize(
                        "{\"stage\":\"NOPE\",\"error_class\":\"x\",\"message\":\"m\",\"time\":0}"
                                .getBytes(StandardCharsets.UTF_8)));
        String trailing = assertThrows(MalformedRecordException.class,
                () -> json(in, "{\"id\":\"1\"} {\"id\":\"2\"}")).getMessage();
        assertTrue(trailing.startsWith("The message is not valid JSON: Trailing token"), trailing);
        String avro = assertThrows(MalformedRecordException.class, () -> in.deserialize(
                confluent.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent()))).getMessage();
        assertTrue(avro.startsWith("The message is not UTF-8 text, so not JSON (it starts with 0x00, as "
                + "avro-confluent messages do): "), avro);
        assertThrows(MalformedRecordException.class, () -> in.deserialize(FIVE_MB_OF_NOISE));

        assertEquals("1", json(in, "{\"id\":\"1\"}").getId());
    }

    private static TextEvent json(DeserializationSchema<TextEvent> in, String json) throws IOException {
        return in.deserialize(json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] withHeader(byte[] good, int headerLength, byte[] body) {
        byte[] message = Arrays.copyOf(good, headerLength + body.length);
        System.arraycopy(body, 0, message, headerLength, body.length);
        return message;
    }

    private static void assertMalformed(String expectedMessage, Executable deserialize) {
        assertEquals(expectedMessage, assertThrows(MalformedRecordException.class, deserialize).getMessage());
    }
}
