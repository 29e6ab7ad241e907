/**
 * ALBERT in Flink SQL: the {@code 'provider' = 'albert'} model provider for {@code CREATE MODEL} and
 * {@code ML_PREDICT} (Flink 2.2), registered through
 * {@code META-INF/services/org.apache.flink.table.factories.Factory}.
 *
 * <pre>{@code
 * CREATE MODEL sentiment
 *   INPUT (text STRING)
 *   OUTPUT (label STRING, score FLOAT, scores MAP<STRING, FLOAT>, error STRING)
 *   WITH ('provider' = 'albert', 'model-directory' = '/models/sentiment', 'batch.size' = '64');
 *
 * SELECT id, label, score
 * FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(text), MAP['max-concurrent-operations', '64']);
 *
 * CREATE MODEL embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>)
 *   WITH ('provider' = 'albert', 'model-directory' = '/models/albert-base', 'pooling' = 'mean');
 *
 * CREATE MODEL reader
 *   INPUT (question STRING, context STRING)
 *   OUTPUT (answer STRING, score DOUBLE, answer_start INT, answer_end INT)
 *   WITH ('provider' = 'albert', 'model-directory' = '/models/squad');
 * }</pre>
 *
 * <ul>
 *   <li>{@link dev.flinkalbert.sql.AlbertModelProviderFactory}: checks the options
 *       ({@link dev.flinkalbert.sql.AlbertModelOptions}), the model directory and the declared columns
 *       ({@code ModelColumns}) when a query using the model is planned.
 *   <li>{@link dev.flinkalbert.sql.AlbertAsyncPredictFunction}: the default path; rows of all subtasks are batched
 *       on the model's per-TaskManager {@link dev.flinkalbert.flink.SharedBatcher}. Raise
 *       {@code max-concurrent-operations} (ML_PREDICT's 4th argument, or
 *       {@code table.exec.async-ml-predict.max-concurrent-operations}; default 10) to at least {@code batch.size}
 *       to fill batches.
 *   <li>{@link dev.flinkalbert.sql.AlbertPredictFunction}: the synchronous path,
 *       {@code MAP['async', 'false']}; one row per model call.
 * </ul>
 *
 * <p>A row that cannot be processed is not dropped: it comes out with null outputs and the reason in the optional
 * {@code error} column. The options, the column mapping and a Kafka example are in {@code docs/sql.md}.
 */
package dev.flinkalbert.sql;
