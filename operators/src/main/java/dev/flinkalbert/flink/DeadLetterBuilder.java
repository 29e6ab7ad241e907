package dev.flinkalbert.flink;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.SourceRecord;
import dev.flinkalbert.avro.TextEvent;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The one way every stage makes a {@link DeadLetter}: the Kafka source for records it cannot read, the micro-batching
 * operators and the shared batcher for records that fail in tokenization or inference, and record-wise pipeline
 * stages. Every dead letter gets the same message rules (the root cause when another exception wrapped it, at most
 * {@value #MAX_MESSAGE_CHARS} characters) and, where the record came through a Kafka source, the same replay fields:
 * its topic, partition and offset and its key and value exactly as read, as Kafka Connect's dead-letter headers carry
 * them.
 *
 * <pre>{@code
 * // A Kafka record that could not be read:
 * DeadLetter unreadable = DeadLetterBuilder.failure(FailureStage.DESERIALIZE, error)
 *         .source(record.topic(), record.partition(), record.offset(), record.key(), record.value())
 *         .build();
 * // An event that was read but failed later: its TextEvent.source (set by the job's Kafka source) gives the
 * // coordinates and the bytes as read; an event that did not come from Kafka is kept as Avro binary.
 * DeadLetter failed = DeadLetterBuilder.failure(FailureStage.TOKENIZE, error).event(event).build();
 * }</pre>
 */
@PublicEvolving
public final class DeadLetterBuilder {

    /** Some exceptions quote their whole input; a dead letter's message stays readable and small. */
    public static final int MAX_MESSAGE_CHARS = 4096;

    private static final String TRUNCATED_MARKER = " [original truncated from %d to %d bytes]";

    private final FailureStage stage;
    private final Throwable error;
    private DeadLetter.Builder fields = DeadLetter.newBuilder();
    private String note;

    private DeadLetterBuilder(FailureStage stage, Throwable error) {
        this.stage = Objects.requireNonNull(stage, "stage");
        this.error = Objects.requireNonNull(error, "error");
    }

    /** A dead letter of a record that failed at {@code stage} because of {@code error}. */
    public static DeadLetterBuilder failure(FailureStage stage, Throwable error) {
        return new DeadLetterBuilder(stage, error);
    }

    /**
     * The Kafka record as read: its coordinates, and its key and value bytes (either may be null), which become
     * {@code original_key} and {@code original}.
     */
    public DeadLetterBuilder source(String topic, int partition, long offset, byte[] key, byte[] value) {
        fields.setTopic(topic).setPartition(partition).setOffset(offset)
                .setOriginalKey(wrap(key)).setOriginal(wrap(value));
        return this;
    }

    /**
     * An event that was read: its id, and the record it was read from ({@link TextEvent#getSource()}), or, for an
     * event that did not come through a Kafka source, the event as Avro binary ({@link TextEvent#getClassSchema()})
     * with its id as the key, so that the dead letter lands beside the event's results.
     */
    public DeadLetterBuilder event(TextEvent event) {
        describeEvent(event, fields);
        return this;
    }

    /** The record's own bytes, when it has no Kafka source. */
    public DeadLetterBuilder original(byte[] bytes) {
        fields.setOriginal(wrap(bytes));
        return this;
    }

    /** The event id, when the record could be read far enough. */
    public DeadLetterBuilder id(String id) {
        fields.setId(id);
        return this;
    }

    /**
     * Lets {@code describer} fill the record-specific fields (original bytes, key, id, coordinates). When it throws,
     * the record is not lost: the dead letter keeps only the failure, and its message says why the rest is missing.
     */
    public DeadLetterBuilder describedBy(Consumer<DeadLetter.Builder> describer) {
        DeadLetter.Builder described = DeadLetter.newBuilder(fields);
        try {
            describer.accept(described);
            fields = described;
        } catch (RuntimeException e) {
            fields = DeadLetter.newBuilder();
            note = "its original bytes and id could not be read: " + e;
        }
        return this;
    }

    /** The dead letter, stamped with the stage, the error and the time now. */
    public DeadLetter build() {
        String message = describe(error);
        return DeadLetter.newBuilder(fields)
                .setStage(stage)
                .setErrorClass(error.getClass().getName())
                .setMessage(note == null ? message : message + " (" + note + ")")
                .setTime(Instant.ofEpochMilli(System.currentTimeMillis()))
                .build();
    }

    /**
     * Fills {@code builder} from an event: see {@link #event(TextEvent)}. For a {@link DeadLetterFields} of records
     * that hold an event.
     */
    public static void describeEvent(TextEvent event, DeadLetter.Builder builder) {
        builder.setId(event.getId());
        SourceRecord source = event.getSource();
        if (source != null) {
            builder.setTopic(source.getTopic()).setPartition(source.getPartition()).setOffset(source.getOffset())
                    .setOriginalKey(copy(source.getKey())).setOriginal(copy(source.getValue()));
        } else {
            builder.setOriginal(wrap(avroBytes(event)))
                    .setOriginalKey(event.getId() == null ? null
                            : ByteBuffer.wrap(event.getId().getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** The message, with the root cause when another exception wrapped it, cut at {@value #MAX_MESSAGE_CHARS}. */
    public static String describe(Throwable error) {
        String message = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String described = root == error ? message : message + " (caused by " + root + ")";
        return described.length() <= MAX_MESSAGE_CHARS ? described
                : described.substring(0, MAX_MESSAGE_CHARS) + "… [" + described.length() + " characters]";
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

    /** The event as Avro binary; null when the event itself cannot be written (the message then says why it failed). */
    private static byte[] avroBytes(TextEvent event) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
            new SpecificDatumWriter<>(TextEvent.class).write(event, encoder);
            encoder.flush();
            return bytes.toByteArray();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return bytes == null ? null : ByteBuffer.wrap(bytes);
    }

    /** A buffer of its own: the event's buffers may be read again (e.g. by another question of the same event). */
    private static ByteBuffer copy(ByteBuffer buffer) {
        return buffer == null ? null : ByteBuffer.wrap(toArray(buffer));
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] array = new byte[buffer.remaining()];
        buffer.duplicate().get(array);
        return array;
    }
}
