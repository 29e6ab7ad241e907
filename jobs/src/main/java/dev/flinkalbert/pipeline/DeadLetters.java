package dev.flinkalbert.pipeline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.flink.MicroBatching;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Makes {@link DeadLetter}s: a record that could not be processed, with where and why it failed and its original
 * bytes, so that it can be inspected and replayed instead of lost.
 */
public final class DeadLetters {

    /** The side output on which operators emit their dead letters: the micro-batching operators' own. */
    public static final OutputTag<DeadLetter> OUTPUT_TAG = MicroBatching.DEAD_LETTERS;

    private static final String TRUNCATED_MARKER = " [original truncated from %d to %d bytes]";
    /** Some exceptions quote their whole input; a dead letter's message stays readable and small. */
    static final int MAX_MESSAGE_CHARS = 4096;

    private DeadLetters() {}

    /**
     * A Kafka record whose value could not be read (or had none).
     *
     * @param record the record exactly as consumed
     * @param stage where it failed, usually {@link FailureStage#DESERIALIZE}
     * @param error why it failed
     */
    public static DeadLetter forRecord(ConsumerRecord<byte[], byte[]> record, FailureStage stage, Throwable error) {
        return DeadLetter.newBuilder()
                .setOriginal(wrap(record.value()))
                .setOriginalKey(wrap(record.key()))
                .setTopic(record.topic())
                .setPartition(record.partition())
                .setOffset(record.offset())
                .setStage(stage)
                .setErrorClass(error.getClass().getName())
                .setMessage(describe(error))
                .setTime(Instant.now())
                .build();
    }

    /**
     * An event that was read but failed later, e.g. in tokenization or inference. {@code original} holds the event
     * as Avro binary (schema {@link TextEvent#getClassSchema()}), which may differ from the bytes read from Kafka
     * when the input used another encoding; {@code id} and {@code original_key} hold the event id.
     */
    public static DeadLetter forEvent(TextEvent event, FailureStage stage, Throwable error) {
        byte[] id = event.getId() == null ? null : event.getId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return DeadLetter.newBuilder()
                .setOriginal(wrap(avroBytes(event)))
                .setOriginalKey(wrap(id))
                .setId(event.getId())
                .setStage(stage)
                .setErrorClass(error.getClass().getName())
                .setMessage(describe(error))
                .setTime(Instant.now())
                .build();
    }

    /**
     * Cuts the original bytes to at most {@code maxOriginalBytes}, saying so at the end of the message, so that a
     * dead letter always fits the dead-letter topic. Returns the dead letter itself when it is short enough.
     */
    public static DeadLetter truncate(DeadLetter deadLetter, int maxOriginalBytes) {
        ByteBuffer original = deadLetter.getOriginal();
        if (original == null || original.remaining() <= maxOriginalBytes) {
            return deadLetter;
        }
        int length = original.remaining();
        ByteBuffer head = original.duplicate();
        head.limit(head.position() + maxOriginalBytes);
        return DeadLetter.newBuilder(deadLetter)
                .setOriginal(ByteBuffer.wrap(toArray(head)))
                .setMessage(deadLetter.getMessage() + String.format(TRUNCATED_MARKER, length, maxOriginalBytes))
                .build();
    }

    /** The message, with the root cause when another exception wrapped it. */
    static String describe(Throwable error) {
        String message = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String described = root == error ? message : message + " (caused by " + root + ")";
        return described.length() <= MAX_MESSAGE_CHARS ? described
                : described.substring(0, MAX_MESSAGE_CHARS) + "… [" + described.length() + " characters]";
    }

    private static byte[] avroBytes(TextEvent event) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
            new SpecificDatumWriter<>(TextEvent.class).write(event, encoder);
            encoder.flush();
            return bytes.toByteArray();
        } catch (IOException | RuntimeException e) {
            return null; // the event itself is broken (e.g. a stage set a required field to null); the message says why
        }
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return bytes == null ? null : ByteBuffer.wrap(bytes);
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] array = new byte[buffer.remaining()];
        buffer.duplicate().get(array);
        return array;
    }
}
