/**
 * ALBERT in Flink DataStream jobs: micro-batching operators that run the engine of
 * {@link dev.flinkalbert.inference} on batches of records, with dead letters instead of failed jobs.
 *
 * <h2>Use</h2>
 * <ul>
 *   <li>{@link dev.flinkalbert.flink.AlbertClassifier}, {@link dev.flinkalbert.flink.AlbertEmbedder},
 *       {@link dev.flinkalbert.flink.AlbertAnswerer}: builders that turn a {@code DataStream<TextEvent>} into Avro
 *       results ({@code ClassificationResult}, {@code EmbeddingResult}, {@code QaAnswer}), or records of any type
 *       into results of any type; failures on {@link dev.flinkalbert.flink.MicroBatching#DEAD_LETTERS}.</li>
 *   <li>{@link dev.flinkalbert.flink.AlbertTask}: the serializable description of the engine's work (model
 *       location, the head's {@link dev.flinkalbert.inference.TaskSpec}, limits, session settings) and the {@link dev.flinkalbert.flink.BatchProcessorFactory} of
 *       {@code TextInput}s that those builders, and the SQL functions, run.</li>
 *   <li>{@link dev.flinkalbert.flink.MicroBatching}: the generic batching step for any
 *       {@link dev.flinkalbert.flink.BatchProcessor}, per subtask ({@link dev.flinkalbert.flink.MicroBatchOperator})
 *       or shared per TaskManager ({@link dev.flinkalbert.flink.SharedBatcher}).</li>
 *   <li>{@link dev.flinkalbert.flink.ModelLocation}: where the TaskManagers find the model (the same path, or a copy
 *       shipped with the job through Flink's distributed cache) and the SHA-256 its model.onnx must have.</li>
 * </ul>
 *
 * <p>Results are {@link dev.flinkalbert.inference.Outcome}s, the engine's own: a processor names the dead-letter
 * stage of a failure with {@link dev.flinkalbert.flink.BatchProcessor#failureStage(Exception)}.
 */
package dev.flinkalbert.flink;
