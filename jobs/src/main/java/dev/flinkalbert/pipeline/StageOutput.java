package dev.flinkalbert.pipeline;

import java.util.Objects;

import dev.flinkalbert.avro.DeadLetter;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * What a {@link PipelineStage} makes of its events: the results, and the dead letters of the events it could not
 * process. Together they account for every event the stage received.
 *
 * @param results the results, one stream of one type
 * @param deadLetters the events that failed, with their reason and bytes; typically the stage operator's
 *     {@link DeadLetters#OUTPUT_TAG} side output
 * @param <OUT> the result type
 */
@PublicEvolving
public record StageOutput<OUT>(DataStream<OUT> results, DataStream<DeadLetter> deadLetters) {

    public StageOutput {
        Objects.requireNonNull(results, "results");
        Objects.requireNonNull(deadLetters, "deadLetters");
    }
}
