/**
 * Ready-made Kafka-to-Kafka ALBERT jobs: {@link dev.flinkalbert.jobs.ClassifyJob}, {@link dev.flinkalbert.jobs.EmbedJob}
 * and {@link dev.flinkalbert.jobs.QaJob}, each a sub-command of {@code ./albert} (a local MiniCluster) and a
 * {@code main} for {@code flink run -c …}, with the same options. Each is a
 * {@link dev.flinkalbert.pipeline.KafkaPipeline} whose stage is one of the {@code dev.flinkalbert.flink} operators,
 * reading and writing the wire format chosen with {@code --format} ({@link dev.flinkalbert.serde.KafkaRecordFormat}),
 * assembled by {@link dev.flinkalbert.jobs.JobAssembly} (as the demo and the pipeline bench are) with the operator
 * options of {@link dev.flinkalbert.jobs.OperatorOptions}.
 *
 * <pre>{@code
 * ./albert classify --bootstrap-servers localhost:9092 --input-topic texts --output-topic sentiments \
 *     --dead-letter-topic texts-dead --model-dir models/sentiment \
 *     --format avro-confluent --schema-registry-url http://localhost:8081 \
 *     --batch-size 32 --linger-ms 20 --intra-op-threads 1 --checkpoint-interval 10s
 * }</pre>
 */
package dev.flinkalbert.jobs;
