package dev.flinkalbert.pipeline;

import java.util.Objects;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.TextEvent;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableFunction;

/** {@link PipelineStage#recordWise}: one function call per event, each failure a dead letter. */
final class RecordWiseStage<OUT> implements PipelineStage<OUT> {

    private final String name;
    private final TypeInformation<OUT> resultType;
    private final FailureStage failureStage;
    private final SerializableFunction<TextEvent, OUT> function;

    RecordWiseStage(String name, TypeInformation<OUT> resultType, FailureStage failureStage,
            SerializableFunction<TextEvent, OUT> function) {
        this.name = Objects.requireNonNull(name, "name");
        this.resultType = Objects.requireNonNull(resultType, "resultType");
        this.failureStage = Objects.requireNonNull(failureStage, "failureStage");
        this.function = Objects.requireNonNull(function, "function");
    }

    @Override
    public StageOutput<OUT> apply(DataStream<TextEvent> events) {
        SingleOutputStreamOperator<OUT> results = events
                .process(new ApplyOrDeadLetter<>(failureStage, function), resultType)
                .name(name)
                .uid(name);
        return new StageOutput<>(results, results.getSideOutput(DeadLetters.OUTPUT_TAG));
    }

    private static final class ApplyOrDeadLetter<OUT> extends ProcessFunction<TextEvent, OUT> {
        private final FailureStage failureStage;
        private final SerializableFunction<TextEvent, OUT> function;

        ApplyOrDeadLetter(FailureStage failureStage, SerializableFunction<TextEvent, OUT> function) {
            this.failureStage = failureStage;
            this.function = function;
        }

        @Override
        public void processElement(TextEvent event, Context ctx, Collector<OUT> out) {
            OUT result;
            try {
                result = function.apply(event);
            } catch (Exception e) {
                ctx.output(DeadLetters.OUTPUT_TAG, DeadLetters.forEvent(event, failureStage, e));
                return;
            }
            if (result == null) {
                DeadLetter noResult = DeadLetters.forEvent(event, failureStage,
                        new NullPointerException("the stage function returned no result (null)"));
                ctx.output(DeadLetters.OUTPUT_TAG, noResult);
            } else {
                out.collect(result);
            }
        }
    }
}
