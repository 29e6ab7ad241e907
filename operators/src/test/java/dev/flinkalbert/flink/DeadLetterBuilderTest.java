package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.SourceRecord;
import dev.flinkalbert.avro.TextEvent;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Every stage's dead letters from one builder: replay fields from the event's source, one message rule. */
class DeadLetterBuilderTest {

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] array = new byte[buffer.remaining()];
        buffer.duplicate().get(array);
        return array;
    }

    @Test
    void anEventReadFromKafkaKeepsTheRecordsCoordinatesAndBytesAsRead() {
        byte[] asRead = "{\"id\":\"e7\",\"text\":null}".getBytes(StandardCharsets.UTF_8);
        TextEvent event = TextEvent.newBuilder().setId("e7")
                .setSource(SourceRecord.newBuilder().setTopic("texts").setPartition(3).setOffset(1041L)
                        .setKey(ByteBuffer.wrap(new byte[] {'k'})).setValue(ByteBuffer.wrap(asRead)).build())
                .build();

        DeadLetter deadLetter = TextEvents.DEAD_LETTER_FIELDS.deadLetter(event, FailureStage.TOKENIZE,
                new IllegalArgumentException("the input text is null"));

        assertArrayEquals(asRead, bytes(deadLetter.getOriginal()));
        assertArrayEquals(new byte[] {'k'}, bytes(deadLetter.getOriginalKey()));
        assertEquals("texts", deadLetter.getTopic());
        assertEquals(3, deadLetter.getPartition());
        assertEquals(1041L, deadLetter.getOffset());
        assertEquals("e7", deadLetter.getId());
        assertEquals(FailureStage.TOKENIZE, deadLetter.getStage());
        assertEquals("java.lang.IllegalArgumentException", deadLetter.getErrorClass());
        assertEquals("the input text is null", deadLetter.getMessage());
    }

    @Test
    void anEventWithoutSourceIsKeptAsAvroBinaryKeyedByItsId() {
        TextEvent event = TextEvent.newBuilder().setId("e1").setText("hi").build();
        DeadLetter deadLetter = DeadLetterBuilder.failure(FailureStage.INFERENCE, new IllegalStateException("x"))
                .event(event).build();
        // By hand: id "e1" (zigzag length 2 = 0x04), text branch 1 + "hi", text_pair/question/context null,
        // attributes empty map, event_time null, source null.
        assertArrayEquals(new byte[] {0x04, 'e', '1', 0x02, 0x04, 'h', 'i', 0, 0, 0, 0, 0, 0},
                bytes(deadLetter.getOriginal()));
        assertArrayEquals("e1".getBytes(StandardCharsets.UTF_8), bytes(deadLetter.getOriginalKey()));
        assertNull(deadLetter.getTopic());
        assertNull(deadLetter.getOffset());
    }

    @Test
    void messagesNameTheRootCauseAndStaySmall() {
        DeadLetter wrapped = DeadLetterBuilder.failure(FailureStage.INFERENCE,
                new IllegalStateException("ONNX Runtime failed", new java.io.IOException("disk"))).build();
        assertEquals("ONNX Runtime failed (caused by java.io.IOException: disk)", wrapped.getMessage());
        String quote = "y".repeat(DeadLetterBuilder.MAX_MESSAGE_CHARS + 1);
        DeadLetter capped = DeadLetterBuilder.failure(FailureStage.TOKENIZE, new IllegalArgumentException(quote))
                .build();
        assertEquals(quote.substring(0, DeadLetterBuilder.MAX_MESSAGE_CHARS) + "… [" + quote.length()
                + " characters]", capped.getMessage());
    }

    @Test
    void aDescriberThatThrowsLosesTheFieldsNotTheRecord() {
        DeadLetterFields<String> broken = (record, builder) -> {
            builder.setId(record);
            throw new IllegalStateException("unreadable");
        };
        DeadLetter deadLetter = broken.deadLetter("r1", FailureStage.TOKENIZE, new IllegalArgumentException("bad"));
        assertNull(deadLetter.getId());
        assertEquals("bad (its original bytes and id could not be read: java.lang.IllegalStateException: unreadable)",
                deadLetter.getMessage());
    }
}
