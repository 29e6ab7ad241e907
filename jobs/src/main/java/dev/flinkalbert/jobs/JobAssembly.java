package dev.flinkalbert.jobs;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.flink.AlbertTransform;
import dev.flinkalbert.flink.MicroBatching;
import dev.flinkalbert.pipeline.KafkaPipeline;
import dev.flinkalbert.pipeline.PipelineStage;
import dev.flinkalbert.pipeline.StageOutput;
import dev.flinkalbert.serde.KafkaRecordFormat;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.function.SerializableFunction;

/**
 * The one way an ALBERT Kafka job is put together, shared by the ready-made jobs ({@link AlbertJob}), the demo and
 * the pipeline bench: the operator as the pipeline's stage, and the event, result and dead-letter formats all from
 * one {@link KafkaRecordFormat}, so that whoever reads the topics reads them in the format they were written in.
 *
 * <pre>{@code
 * AlbertClassifier classifier = AlbertClassifier.builder().modelDirectory(dir).build();
 * KafkaPipeline<ClassificationResult> pipeline = JobAssembly
 *         .pipeline(classifier, format, "texts", "results", "dead-letters", "my-job")
 *         .setBootstrapServers("localhost:9092")
 *         .build();
 * pipeline.addTo(env);
 * }</pre>
 */
public final class JobAssembly {

    private JobAssembly() {}

    /**
     * A pipeline builder with everything set but the brokers (and, optionally, the Kafka client properties, the
     * delivery guarantee, the starting offsets and bounds): the operator's stage, the three formats, the topics,
     * the consumer group and the transactional id prefix ({@code group}).
     */
    public static <R extends SpecificRecord> KafkaPipeline.Builder<R> pipeline(AlbertTransform<?, R> operator,
            KafkaRecordFormat format, String inputTopic, String resultTopic, String deadLetterTopic, String group) {
        return pipeline(stage(operator::apply), operator.resultClass(), format, inputTopic, resultTopic,
                deadLetterTopic, group);
    }

    /** As {@link #pipeline(AlbertTransform, KafkaRecordFormat, String, String, String, String)}, for any stage. */
    public static <R extends SpecificRecord> KafkaPipeline.Builder<R> pipeline(PipelineStage<R> stage,
            Class<R> resultClass, KafkaRecordFormat format, String inputTopic, String resultTopic,
            String deadLetterTopic, String group) {
        return KafkaPipeline.<R>builder()
                .setInputTopic(inputTopic)
                .setGroupId(group)
                .setEventFormat(format.deserializer(TextEvent.class))
                .setStage(stage)
                .setResultTopic(resultTopic)
                .setResultFormat(format.serializer(resultClass, resultTopic))
                .setDeadLetterTopic(deadLetterTopic)
                .setDeadLetterFormat(format.serializer(DeadLetter.class, deadLetterTopic))
                .setTransactionalIdPrefix(group);
    }

    /** A pipeline stage from a DataStream operator that emits dead letters on {@link MicroBatching#DEAD_LETTERS}. */
    public static <R> PipelineStage<R> stage(
            SerializableFunction<DataStream<TextEvent>, SingleOutputStreamOperator<R>> operator) {
        return events -> {
            SingleOutputStreamOperator<R> results = operator.apply(events);
            return new StageOutput<>(results, results.getSideOutput(MicroBatching.DEAD_LETTERS));
        };
    }
}
