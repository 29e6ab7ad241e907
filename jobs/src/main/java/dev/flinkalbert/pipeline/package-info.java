/**
 * Kafka-to-Kafka pipelines: {@link dev.flinkalbert.pipeline.KafkaPipeline} reads
 * {@link dev.flinkalbert.avro.TextEvent}s, runs a {@link dev.flinkalbert.pipeline.PipelineStage} and writes results
 * and {@link dev.flinkalbert.avro.DeadLetter}s back to Kafka, exactly once by default.
 *
 * <p>A stage is any function from the event stream to a {@link dev.flinkalbert.pipeline.StageOutput}. A custom
 * operator (e.g. one that batches events for a model) emits its dead letters on
 * {@link dev.flinkalbert.pipeline.DeadLetters#OUTPUT_TAG}, from an operator with
 * {@code output.collect(DeadLetters.OUTPUT_TAG, new StreamRecord<>(DeadLetters.forEvent(event, stage, error)))}
 * or from a process function with {@code ctx.output(DeadLetters.OUTPUT_TAG, …)}, and returns
 * {@code new StageOutput<>(results, results.getSideOutput(DeadLetters.OUTPUT_TAG))}. Exactly-once holds as long as
 * the operator emits everything it holds before each checkpoint barrier (or keeps it in checkpointed state).
 */
package dev.flinkalbert.pipeline;
