package dev.flinkalbert.pipeline;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.TextEvent;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.formats.avro.AvroSerializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * A Kafka-to-Kafka job: reads {@link TextEvent}s from a topic, runs a {@link PipelineStage} on them, writes the
 * results to a result topic and every record that failed to a dead-letter topic, exactly once by default.
 *
 * <pre>{@code
 * StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
 * env.enableCheckpointing(10_000);                   // exactly-once results are committed on checkpoints
 *
 * KafkaPipeline<ClassificationResult> pipeline = KafkaPipeline.<ClassificationResult>builder()
 *         .setBootstrapServers("broker-1:9092")
 *         .setKafkaProperties(KafkaClientProperties.load(Path.of("client.properties")))  // SASL, SSL, …
 *         .setInputTopic("texts")
 *         .setGroupId("albert-sentiment")
 *         .setEventFormat(AvroDeserializationSchema.forSpecific(TextEvent.class))
 *         .setStage(PipelineStage.recordWise("classify", ClassificationResult.class, FailureStage.INFERENCE,
 *                 event -> classify(event)))
 *         .setResultTopic("sentiments")
 *         .setResultFormat(AvroSerializationSchema.forSpecific(ClassificationResult.class))
 *         .setDeadLetterTopic("texts-dead-letters")
 *         .setTransactionalIdPrefix("albert-sentiment")  // unique per job on the Kafka cluster
 *         .build();
 * pipeline.addTo(env);
 * env.execute("albert-sentiment");
 * }</pre>
 *
 * <p><b>Reading.</b> A {@code KafkaSource} reads the input topic with {@code isolation.level=read_committed}
 * (any other value is refused), from the group's committed offsets, or the earliest ones for a new group
 * ({@link #DEFAULT_STARTING_OFFSETS}), without end unless {@link Builder#setBounded bounded}. The event format
 * sees each record's raw value; a record it cannot read, an empty value and a tombstone become dead letters
 * (stage {@code DESERIALIZE}, with the record's bytes, key, topic, partition and offset) and the job goes on.
 * Telling a record of another schema apart is the format's job: formats that name the schema in each record
 * (Avro single-object encoding, the Confluent wire format) refuse it, while plain Avro binary
 * ({@code AvroDeserializationSchema.forSpecific}) may read some foreign records as events.
 * Each event carries its {@code event_time} as its Flink timestamp; an event without one gets the Kafka record's.
 *
 * <p><b>Writing.</b> Results go to the result topic keyed by the event id ({@link #AVRO_ID_FIELD}, or
 * {@link Builder#setResultKey}), so that Kafka's partitioner keeps one id on one partition, with the event time
 * as record timestamp. Dead letters (from reading and from the stage) go to the dead-letter topic as Avro
 * ({@link #DEFAULT_DEAD_LETTER_FORMAT}) keyed by the original key. With {@link DeliveryGuarantee#EXACTLY_ONCE}
 * (the {@link #DEFAULT_DELIVERY_GUARANTEE default}) both sinks write in Kafka transactions committed when a
 * checkpoint completes, so checkpointing must be on and readers of both topics should use
 * {@code read_committed}; {@code transaction.timeout.ms} defaults to {@link #DEFAULT_TRANSACTION_TIMEOUT}, the
 * broker's default maximum ({@code transaction.max.timeout.ms}). {@link DeliveryGuarantee#AT_LEAST_ONCE} flushes on
 * checkpoints instead.
 *
 * <p><b>Large records.</b> A dead letter carries the whole original value up to
 * {@link Builder#setDeadLetterMaxOriginalBytes} ({@link #DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES}, below Kafka's
 * default 1 MB message limit); a longer value is cut to that length and its message ends with
 * {@code [original truncated from N to M bytes]}. To keep larger originals whole, raise this limit together with
 * the dead-letter topic's {@code max.message.bytes} and the producers' {@code max.request.size}
 * ({@code producer.max.request.size} in the client properties).
 *
 * <p><b>Client settings.</b> {@link KafkaClientProperties} pass any Kafka client setting (security protocol, SASL,
 * SSL, tuning) to the consumer and the producers; {@code bootstrap.servers} may come from there or from
 * {@link Builder#setBootstrapServers}, which wins.
 *
 * @param <OUT> the result type
 */
@PublicEvolving
public final class KafkaPipeline<OUT> {

    public static final DeliveryGuarantee DEFAULT_DELIVERY_GUARANTEE = DeliveryGuarantee.EXACTLY_ONCE;
    /** Kafka brokers refuse a longer transaction timeout unless {@code transaction.max.timeout.ms} is raised. */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);
    public static final OffsetsInitializer DEFAULT_STARTING_OFFSETS =
            OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    public static final SerializationSchema<DeadLetter> DEFAULT_DEAD_LETTER_FORMAT =
            AvroSerializationSchema.forSpecific(DeadLetter.class);
    /** Leaves room for the dead letter's other fields under Kafka's default 1 MB {@code max.message.bytes}. */
    public static final int DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES = 900 * 1024;
    /** Keys a result by its Avro {@code id} field, as every flink-albert result record has. */
    public static final SerializableFunction<Object, String> AVRO_ID_FIELD = KafkaPipeline::avroId;

    private static final String READ_COMMITTED = "read_committed";

    private final String bootstrapServers;
    private final KafkaClientProperties kafka;
    private final String inputTopic;
    private final String groupId;
    private final OffsetsInitializer startingOffsets;
    private final OffsetsInitializer stoppingOffsets;
    private final DeserializationSchema<TextEvent> eventFormat;
    private final PipelineStage<OUT> stage;
    private final String resultTopic;
    private final SerializationSchema<OUT> resultFormat;
    private final SerializableFunction<? super OUT, String> resultKey;
    private final String deadLetterTopic;
    private final SerializationSchema<DeadLetter> deadLetterFormat;
    private final int deadLetterMaxOriginalBytes;
    private final DeliveryGuarantee deliveryGuarantee;
    private final String transactionalIdPrefix;

    private KafkaPipeline(Builder<OUT> b) {
        this.bootstrapServers = b.bootstrapServers();
        this.kafka = b.kafka;
        this.inputTopic = b.inputTopic;
        this.groupId = b.groupId;
        this.startingOffsets = b.startingOffsets;
        this.stoppingOffsets = b.stoppingOffsets;
        this.eventFormat = b.eventFormat;
        this.stage = b.stage;
        this.resultTopic = b.resultTopic;
        this.resultFormat = b.resultFormat;
        this.resultKey = b.resultKey;
        this.deadLetterTopic = b.deadLetterTopic;
        this.deadLetterFormat = b.deadLetterFormat;
        this.deadLetterMaxOriginalBytes = b.deadLetterMaxOriginalBytes;
        this.deliveryGuarantee = b.deliveryGuarantee;
        this.transactionalIdPrefix = b.transactionalIdPrefix;
    }

    public static <OUT> Builder<OUT> builder() {
        return new Builder<>();
    }

    /**
     * Adds the source, the stage and both sinks to {@code env}.
     *
     * @return the stage's results and all dead letters (from reading and from the stage), for more sinks or tests
     * @throws IllegalStateException when exactly-once is asked for and checkpointing is off
     */
    public StageOutput<OUT> addTo(StreamExecutionEnvironment env) {
        if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE
                && !env.getCheckpointConfig().isCheckpointingEnabled()) {
            throw new IllegalStateException("EXACTLY_ONCE commits results on checkpoints, but checkpointing is off:"
                    + " call env.enableCheckpointing(interval), or setDeliveryGuarantee(AT_LEAST_ONCE)");
        }
        SingleOutputStreamOperator<TextEvent> events = env
                .fromSource(source(), WatermarkStrategy.<Either<TextEvent, DeadLetter>>noWatermarks()
                        .withTimestampAssigner(new EventTimeAssigner()), "kafka-source: " + inputTopic)
                .uid("kafka-source")
                .process(new SplitDeadLetters(), TypeInformation.of(TextEvent.class))
                .name("split-unreadable")
                .uid("split-unreadable");

        StageOutput<OUT> stageOutput = stage.apply(events);
        DataStream<DeadLetter> deadLetters =
                events.getSideOutput(DeadLetters.OUTPUT_TAG).union(stageOutput.deadLetters());

        stageOutput.results()
                .sinkTo(sink(resultTopic, "-results", new KeyBytes<>(resultKey), resultFormat))
                .name("kafka-sink: " + resultTopic)
                .uid("result-sink");
        int maxOriginalBytes = deadLetterMaxOriginalBytes;
        deadLetters
                .map(d -> DeadLetters.truncate(d, maxOriginalBytes), TypeInformation.of(DeadLetter.class))
                .name("truncate-dead-letters")
                .uid("truncate-dead-letters")
                .sinkTo(sink(deadLetterTopic, "-dead-letters", new OriginalKey(), deadLetterFormat))
                .name("kafka-sink: " + deadLetterTopic)
                .uid("dead-letter-sink");
        return new StageOutput<>(stageOutput.results(), deadLetters);
    }

    private KafkaSource<Either<TextEvent, DeadLetter>> source() {
        Properties consumer = kafka.consumer();
        consumer.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, READ_COMMITTED);
        KafkaSourceBuilder<Either<TextEvent, DeadLetter>> builder = KafkaSource.<Either<TextEvent, DeadLetter>>builder()
                .setProperties(consumer)
                .setBootstrapServers(bootstrapServers)
                .setTopics(inputTopic)
                .setGroupId(groupId)
                .setStartingOffsets(startingOffsets)
                .setDeserializer(new EventOrDeadLetterDeserializer(eventFormat));
        if (stoppingOffsets != null) {
            builder.setBounded(stoppingOffsets);
        }
        return builder.build();
    }

    private <T> KafkaSink<T> sink(String topic, String transactionSuffix,
            SerializationSchema<? super T> keyFormat, SerializationSchema<T> valueFormat) {
        Properties producer = kafka.producer();
        producer.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                Long.toString(DEFAULT_TRANSACTION_TIMEOUT.toMillis()));
        KafkaRecordSerializationSchema<T> serializer = KafkaRecordSerializationSchema.<T>builder()
                .setTopic(topic)
                .setKeySerializationSchema(keyFormat)
                .setValueSerializationSchema(valueFormat)
                .build();
        var builder = KafkaSink.<T>builder()
                .setKafkaProducerConfig(producer)
                .setBootstrapServers(bootstrapServers)
                .setDeliveryGuarantee(deliveryGuarantee)
                .setRecordSerializer(serializer);
        if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            builder.setTransactionalIdPrefix(transactionalIdPrefix + transactionSuffix);
        }
        return builder.build();
    }

    private static String avroId(Object result) {
        if (result instanceof IndexedRecord record && record.getSchema().getField("id") != null) {
            Object id = record.get(record.getSchema().getField("id").pos());
            return id == null ? null : id.toString();
        }
        throw new IllegalArgumentException("Cannot key a " + result.getClass().getName()
                + " by its Avro id field: it has none. Give the pipeline setResultKey(result -> …)");
    }

    /** Flink timestamp = the event's {@code event_time}; dead letters keep the Kafka record's timestamp. */
    private static final class EventTimeAssigner implements SerializableTimestampAssigner<Either<TextEvent, DeadLetter>> {
        @Override
        public long extractTimestamp(Either<TextEvent, DeadLetter> element, long recordTimestamp) {
            if (element.isLeft() && element.left().getEventTime() != null) {
                return element.left().getEventTime().toEpochMilli();
            }
            return recordTimestamp;
        }
    }

    /** Events go on; unreadable records leave on the dead-letter side output. */
    private static final class SplitDeadLetters extends ProcessFunction<Either<TextEvent, DeadLetter>, TextEvent> {
        @Override
        public void processElement(Either<TextEvent, DeadLetter> element, Context ctx, Collector<TextEvent> out) {
            if (element.isLeft()) {
                out.collect(element.left());
            } else {
                ctx.output(DeadLetters.OUTPUT_TAG, element.right());
            }
        }
    }

    /** The result's id as UTF-8 bytes. */
    private static final class KeyBytes<T> implements SerializationSchema<T> {
        private final SerializableFunction<? super T, String> key;

        KeyBytes(SerializableFunction<? super T, String> key) {
            this.key = key;
        }

        @Override
        public byte[] serialize(T element) {
            String id = key.apply(element);
            return id == null ? null : id.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** A dead letter's original key, so that it lands beside its siblings' dead letters. */
    private static final class OriginalKey implements SerializationSchema<DeadLetter> {
        @Override
        public byte[] serialize(DeadLetter element) {
            var key = element.getOriginalKey();
            if (key == null) {
                return null;
            }
            byte[] bytes = new byte[key.remaining()];
            key.duplicate().get(bytes);
            return bytes;
        }
    }

    /**
     * Settings of a {@link KafkaPipeline}. Required: the input, result and dead-letter topics, the group id, the
     * event and result formats, the stage, the bootstrap servers (here or in the client properties) and, for
     * exactly-once, the transactional id prefix.
     */
    public static final class Builder<OUT> {
        private String bootstrapServers;
        private KafkaClientProperties kafka = KafkaClientProperties.empty();
        private String inputTopic;
        private String groupId;
        private OffsetsInitializer startingOffsets = DEFAULT_STARTING_OFFSETS;
        private OffsetsInitializer stoppingOffsets;
        private DeserializationSchema<TextEvent> eventFormat;
        private PipelineStage<OUT> stage;
        private String resultTopic;
        private SerializationSchema<OUT> resultFormat;
        private SerializableFunction<? super OUT, String> resultKey = AVRO_ID_FIELD;
        private String deadLetterTopic;
        private SerializationSchema<DeadLetter> deadLetterFormat = DEFAULT_DEAD_LETTER_FORMAT;
        private int deadLetterMaxOriginalBytes = DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES;
        private DeliveryGuarantee deliveryGuarantee = DEFAULT_DELIVERY_GUARANTEE;
        private String transactionalIdPrefix;

        private Builder() {}

        /** {@code host:port,…} of the Kafka cluster; overrides {@code bootstrap.servers} in the client properties. */
        public Builder<OUT> setBootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** Client settings for the consumer and the producers (security, SASL, SSL, tuning). */
        public Builder<OUT> setKafkaProperties(KafkaClientProperties kafka) {
            this.kafka = Objects.requireNonNull(kafka, "kafka");
            return this;
        }

        public Builder<OUT> setInputTopic(String inputTopic) {
            this.inputTopic = inputTopic;
            return this;
        }

        /** The consumer group whose offsets the source commits on checkpoints (for monitoring and fresh starts). */
        public Builder<OUT> setGroupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        /** Where a job without a checkpoint starts; default {@link KafkaPipeline#DEFAULT_STARTING_OFFSETS}. */
        public Builder<OUT> setStartingOffsets(OffsetsInitializer startingOffsets) {
            this.startingOffsets = Objects.requireNonNull(startingOffsets, "startingOffsets");
            return this;
        }

        /** Ends the job at these offsets, e.g. {@code OffsetsInitializer.latest()}; unbounded by default. */
        public Builder<OUT> setBounded(OffsetsInitializer stoppingOffsets) {
            this.stoppingOffsets = Objects.requireNonNull(stoppingOffsets, "stoppingOffsets");
            return this;
        }

        /** Reads one event from a record's value; it may throw on bad input (the record becomes a dead letter). */
        public Builder<OUT> setEventFormat(DeserializationSchema<TextEvent> eventFormat) {
            this.eventFormat = eventFormat;
            return this;
        }

        public Builder<OUT> setStage(PipelineStage<OUT> stage) {
            this.stage = stage;
            return this;
        }

        public Builder<OUT> setResultTopic(String resultTopic) {
            this.resultTopic = resultTopic;
            return this;
        }

        public Builder<OUT> setResultFormat(SerializationSchema<OUT> resultFormat) {
            this.resultFormat = resultFormat;
            return this;
        }

        /** The result's Kafka key (as UTF-8); default {@link KafkaPipeline#AVRO_ID_FIELD}, the event id every result carries. */
        public Builder<OUT> setResultKey(SerializableFunction<? super OUT, String> resultKey) {
            this.resultKey = Objects.requireNonNull(resultKey, "resultKey");
            return this;
        }

        public Builder<OUT> setDeadLetterTopic(String deadLetterTopic) {
            this.deadLetterTopic = deadLetterTopic;
            return this;
        }

        /** How dead letters are written; default {@link KafkaPipeline#DEFAULT_DEAD_LETTER_FORMAT} (plain Avro binary). */
        public Builder<OUT> setDeadLetterFormat(SerializationSchema<DeadLetter> deadLetterFormat) {
            this.deadLetterFormat = Objects.requireNonNull(deadLetterFormat, "deadLetterFormat");
            return this;
        }

        /** Longer original values are truncated (and say so); default {@link KafkaPipeline#DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES}. */
        public Builder<OUT> setDeadLetterMaxOriginalBytes(int deadLetterMaxOriginalBytes) {
            this.deadLetterMaxOriginalBytes = deadLetterMaxOriginalBytes;
            return this;
        }

        /** {@code EXACTLY_ONCE} (default), {@code AT_LEAST_ONCE} or {@code NONE}. */
        public Builder<OUT> setDeliveryGuarantee(DeliveryGuarantee deliveryGuarantee) {
            this.deliveryGuarantee = Objects.requireNonNull(deliveryGuarantee, "deliveryGuarantee");
            return this;
        }

        /**
         * Prefix of the Kafka transactional ids ({@code PREFIX-results…}, {@code PREFIX-dead-letters…}); required
         * for exactly-once, and unique per job on the Kafka cluster, or jobs fence each other's transactions.
         */
        public Builder<OUT> setTransactionalIdPrefix(String transactionalIdPrefix) {
            this.transactionalIdPrefix = transactionalIdPrefix;
            return this;
        }

        /** Checks the settings; every missing one is named. */
        public KafkaPipeline<OUT> build() {
            List<String> missing = new ArrayList<>();
            if (isBlank(bootstrapServers()) ) {
                missing.add("setBootstrapServers(\"host:9092\") or bootstrap.servers in the Kafka client properties");
            }
            requireText(inputTopic, "setInputTopic(topic)", missing);
            requireText(groupId, "setGroupId(consumer group)", missing);
            require(eventFormat, "setEventFormat(DeserializationSchema<TextEvent>)", missing);
            require(stage, "setStage(PipelineStage)", missing);
            requireText(resultTopic, "setResultTopic(topic)", missing);
            require(resultFormat, "setResultFormat(SerializationSchema)", missing);
            requireText(deadLetterTopic, "setDeadLetterTopic(topic)", missing);
            if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE) {
                requireText(transactionalIdPrefix,
                        "setTransactionalIdPrefix(prefix unique per job) (or setDeliveryGuarantee(AT_LEAST_ONCE))",
                        missing);
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("The Kafka pipeline lacks settings: " + String.join("; ", missing));
            }
            String isolation = kafka.consumer().getProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG);
            if (isolation != null && !isolation.equals(READ_COMMITTED)) {
                throw new IllegalArgumentException("isolation.level=" + isolation + " would read aborted transactions:"
                        + " remove it from the Kafka client properties (the pipeline reads read_committed)");
            }
            if (deadLetterMaxOriginalBytes < 0) {
                throw new IllegalArgumentException(
                        "setDeadLetterMaxOriginalBytes must be 0 or more, not " + deadLetterMaxOriginalBytes);
            }
            return new KafkaPipeline<>(this);
        }

        private String bootstrapServers() {
            return bootstrapServers != null ? bootstrapServers : kafka.consumer().getProperty("bootstrap.servers");
        }

        private static boolean isBlank(String s) {
            return s == null || s.isBlank();
        }

        private static void requireText(String value, String setter, List<String> missing) {
            if (isBlank(value)) {
                missing.add(setter);
            }
        }

        private static void require(Object value, String setter, List<String> missing) {
            if (value == null) {
                missing.add(setter);
            }
        }
    }
}
