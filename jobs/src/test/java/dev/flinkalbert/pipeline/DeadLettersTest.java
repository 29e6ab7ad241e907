package dev.flinkalbert.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.TextEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    private static DeadLetter withOriginal(byte[] original) {
        return DeadLetter.newBuilder().setOriginal(ByteBuffer.wrap(original)).setStage(FailureStage.DESERIALIZE)
                .setErrorClass("java.io.EOFException").setMessage("EOFException").setTime(Instant.EPOCH).build();
    }

    @Test
    void truncatesLongOriginalsAndSaysSo() {
        DeadLetter truncated = DeadLetters.truncate(withOriginal("0123456789".getBytes(StandardCharsets.US_ASCII)), 4);
        assertEquals(ByteBuffer.wrap("0123".getBytes(StandardCharsets.US_ASCII)), truncated.getOriginal());
        assertEquals("EOFException [original truncated from 10 to 4 bytes]", truncated.getMessage());
    }

    @Test
    void keepsOriginalsThatFit() {
        DeadLetter deadLetter = withOriginal(new byte[4]);
        assertSame(deadLetter, DeadLetters.truncate(deadLetter, 4));
    }

    @Test
    void capsLongMessages() {
        String quote = "x".repeat(DeadLetters.MAX_MESSAGE_CHARS + 10);
        String message = DeadLetters.describe(new IllegalArgumentException(quote));
        assertEquals(quote.substring(0, DeadLetters.MAX_MESSAGE_CHARS) + "… [" + quote.length() + " characters]", message);
    }

    @Test
    void recordsKeepTheirBytesKeyAndCoordinates() {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("texts", 2, 41L, new byte[] {7}, null);
        DeadLetter deadLetter = DeadLetters.forRecord(record, FailureStage.DESERIALIZE,
                new IllegalStateException("outer", new java.io.EOFException("inner")));
        assertNull(deadLetter.getOriginal());
        assertEquals(ByteBuffer.wrap(new byte[] {7}), deadLetter.getOriginalKey());
        assertEquals("texts", deadLetter.getTopic());
        assertEquals(2, deadLetter.getPartition());
        assertEquals(41L, deadLetter.getOffset());
        assertEquals("java.lang.IllegalStateException", deadLetter.getErrorClass());
        assertEquals("outer (caused by java.io.EOFException: inner)", deadLetter.getMessage());
    }

    @Test
    void eventsKeepTheirIdAndAvroBinary() {
        TextEvent event = TextEvent.newBuilder().setId("e1").setText("hi").build();
        DeadLetter deadLetter = DeadLetters.forEvent(event, FailureStage.TOKENIZE, new IllegalArgumentException("too long"));
        assertEquals("e1", deadLetter.getId());
        assertEquals(FailureStage.TOKENIZE, deadLetter.getStage());
        // Avro binary by hand: id "e1" (zigzag length 2 = 0x04), text union branch 1 (0x02) + "hi",
        // text_pair/question/context null (branch 0), attributes empty map (0), event_time null (0), source null (0).
        byte[] expected = {0x04, 'e', '1', 0x02, 0x04, 'h', 'i', 0, 0, 0, 0, 0, 0};
        byte[] original = new byte[deadLetter.getOriginal().remaining()];
        deadLetter.getOriginal().duplicate().get(original);
        assertArrayEquals(expected, original);
        assertEquals(ByteBuffer.wrap("e1".getBytes(StandardCharsets.UTF_8)), deadLetter.getOriginalKey());
    }
}
