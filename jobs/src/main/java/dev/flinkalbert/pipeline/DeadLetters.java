package dev.flinkalbert.pipeline;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.flink.DeadLetterBuilder;
import dev.flinkalbert.flink.MicroBatching;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Dead letters in a Kafka pipeline: a record that could not be processed, with where and why it failed, its original
 * bytes and where it was read, so that it can be inspected and replayed instead of lost. Made by
 * {@link DeadLetterBuilder}, as the ALBERT operators make theirs, so that every stage's dead letters look alike.
 */
@PublicEvolving
public final class DeadLetters {

    /** The side output on which operators emit their dead letters: the micro-batching operators' own. */
    public static final OutputTag<DeadLetter> OUTPUT_TAG = MicroBatching.DEAD_LETTERS;

    /** Some exceptions quote their whole input; a dead letter's message stays readable and small. */
    static final int MAX_MESSAGE_CHARS = DeadLetterBuilder.MAX_MESSAGE_CHARS;

    private DeadLetters() {}

    /**
     * A Kafka record whose value could not be read (or had none).
     *
     * @param record the record exactly as consumed
     * @param stage where it failed, usually {@link FailureStage#DESERIALIZE}
     * @param error why it failed
     */
    public static DeadLetter forRecord(ConsumerRecord<byte[], byte[]> record, FailureStage stage, Throwable error) {
        return DeadLetterBuilder.failure(stage, error)
                .source(record.topic(), record.partition(), record.offset(), record.key(), record.value())
                .build();
    }

    /**
     * An event that was read but failed later, e.g. in tokenization or inference: the record it was read from (topic,
     * partition, offset, key and value as read, from {@link TextEvent#getSource()}), or, for an event that did not
     * come through a Kafka source, the event as Avro binary with its id as the key.
     */
    public static DeadLetter forEvent(TextEvent event, FailureStage stage, Throwable error) {
        return DeadLetterBuilder.failure(stage, error).event(event).build();
    }

    /**
     * Cuts the original bytes to at most {@code maxOriginalBytes}, saying so at the end of the message, so that a
     * dead letter always fits the dead-letter topic. Returns the dead letter itself when it is short enough.
     */
    public static DeadLetter truncate(DeadLetter deadLetter, int maxOriginalBytes) {
        return DeadLetterBuilder.truncate(deadLetter, maxOriginalBytes);
    }

    /** The message, with the root cause when another exception wrapped it. */
    static String describe(Throwable error) {
        return DeadLetterBuilder.describe(error);
    }
}
