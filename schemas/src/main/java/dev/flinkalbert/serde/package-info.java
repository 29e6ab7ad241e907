/**
 * How records cross Kafka. {@link dev.flinkalbert.serde.KafkaRecordFormat} is the entry point: it picks a
 * {@link dev.flinkalbert.serde.WireFormat} from configuration ({@link dev.flinkalbert.serde.SerdeOptions}) and hands
 * out Flink (de)serialization schemas and Kafka serializers that write the same bytes.
 *
 * <ul>
 *   <li>{@code avro-confluent}: Confluent's wire format against any Schema-Registry-compatible REST API
 *       ({@link dev.flinkalbert.serde.ConfluentSchemaCoder}, {@link dev.flinkalbert.serde.SchemaRegistryClient});
 *   <li>{@code avro-single-object}: Avro's single-object encoding, no registry
 *       ({@link dev.flinkalbert.serde.SingleObjectSchemaCoder});
 *   <li>{@code json}: natural JSON ({@link dev.flinkalbert.serde.JsonRecordDeserializationSchema}).
 * </ul>
 *
 * <p>The Avro formats are {@link org.apache.flink.formats.avro.SchemaCoder}s plugged into flink-avro's registry
 * (de)serialization schemas. Reading never returns null: a message that cannot be read throws a
 * {@link dev.flinkalbert.serde.MalformedRecordException}, a registry that cannot answer a
 * {@link dev.flinkalbert.serde.SchemaRegistryException}.
 */
package dev.flinkalbert.serde;
