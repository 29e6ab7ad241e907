package dev.flinkalbert.pipeline;

import java.io.Serializable;

import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.TextEvent;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.util.function.SerializableFunction;

/**
 * The work between reading events and writing results: the part of a {@link KafkaPipeline} that changes from one
 * job to another (tokenize and classify, embed, answer questions …).
 *
 * <p>A stage builds its own operators on the event stream, so it can be a per-record function
 * ({@link #recordWise}) or a custom operator that batches records, as long as it never lets bad input kill the
 * job: an event it cannot process becomes a {@link dev.flinkalbert.avro.DeadLetter} (see {@link DeadLetters})
 * on the returned dead-letter stream. An operator usually emits those on its {@link DeadLetters#OUTPUT_TAG} side
 * output:
 *
 * <pre>{@code
 * PipelineStage<ClassificationResult> stage = events -> {
 *     SingleOutputStreamOperator<ClassificationResult> results = events
 *             .transform("classify", TypeInformation.of(ClassificationResult.class), new ClassifyOperator(...))
 *             .uid("classify");
 *     return new StageOutput<>(results, results.getSideOutput(DeadLetters.OUTPUT_TAG));
 * };
 * }</pre>
 *
 * <p>The stage is called once, while the job graph is built; it is {@link Serializable} so that a stage can be
 * kept in a serializable job description.
 *
 * @param <OUT> the result type, written to the result topic
 */
@FunctionalInterface
@PublicEvolving
public interface PipelineStage<OUT> extends Serializable {

    /** Turns events into results; failed records go to the returned dead-letter stream. */
    StageOutput<OUT> apply(DataStream<TextEvent> events);

    /**
     * A stage that applies {@code function} to each event on its own. An exception thrown by the function (or a
     * null result) turns that event into a dead letter marked {@code failureStage}, with the event's Avro bytes;
     * the job goes on.
     *
     * @param name the operator's name and uid, unique in the job
     * @param resultType the class of the results (an Avro specific record class gets Flink's Avro serializer)
     * @param failureStage what the dead letters name as the failed step
     * @param function turns one event into one result
     */
    static <OUT> PipelineStage<OUT> recordWise(
            String name, Class<OUT> resultType, FailureStage failureStage, SerializableFunction<TextEvent, OUT> function) {
        return recordWise(name, TypeInformation.of(resultType), failureStage, function);
    }

    /** As {@link #recordWise(String, Class, FailureStage, SerializableFunction)}, for generic result types. */
    static <OUT> PipelineStage<OUT> recordWise(
            String name, TypeInformation<OUT> resultType, FailureStage failureStage,
            SerializableFunction<TextEvent, OUT> function) {
        return new RecordWiseStage<>(name, resultType, failureStage, function);
    }
}
