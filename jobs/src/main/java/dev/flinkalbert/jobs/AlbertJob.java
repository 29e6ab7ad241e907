package dev.flinkalbert.jobs;

import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.flink.AlbertTransform;
import dev.flinkalbert.flink.ModelLocation;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.InvalidModelException;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.OnnxRuntimeAvailability;
import dev.flinkalbert.pipeline.KafkaClientProperties;
import dev.flinkalbert.pipeline.KafkaPipeline;
import dev.flinkalbert.pipeline.KafkaReachability;
import dev.flinkalbert.serde.KafkaRecordFormat;
import dev.flinkalbert.serde.SerdeOptions;

import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A Kafka-to-Kafka ALBERT job: {@link TextEvent}s in, results and dead letters out, through a {@link KafkaPipeline}
 * whose stage is one of the DataStream operators ({@code AlbertClassifier}, {@code AlbertEmbedder},
 * {@code AlbertAnswerer}), assembled by {@link JobAssembly} with the operator options of {@link OperatorOptions}.
 * A subclass names its head ({@link #task()}) and builds its operator with the head's own options. The same class is a sub-command of {@code ./albert} (a local MiniCluster) and a
 * {@code main} for {@code flink run}: both parse the same options, and {@code getExecutionEnvironment()} picks the
 * cluster. Misconfiguration (an unknown option, a missing model directory, a bad format setting) stops it at start-up
 * with one message naming the fix; the model is opened and checked before the job is submitted.
 *
 * @param <OUT> the result record
 */
public abstract class AlbertJob<OUT extends SpecificRecord> implements Callable<Integer> {

    /** Default checkpoint interval: exactly-once results are committed, and become visible, at each checkpoint. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,…]",
            description = "Kafka brokers (or bootstrap.servers in --kafka-config)")
    String bootstrapServers;

    @Option(names = "--input-topic", required = true, paramLabel = "TOPIC", description = "Topic of TextEvents")
    String inputTopic;

    @Option(names = "--output-topic", required = true, paramLabel = "TOPIC", description = "Topic of results")
    String outputTopic;

    @Option(names = "--dead-letter-topic", required = true, paramLabel = "TOPIC",
            description = "Topic of DeadLetters: events that could not be read or processed")
    String deadLetterTopic;

    @Option(names = "--group-id", paramLabel = "ID",
            description = "Consumer group, and prefix of the Kafka transactional ids (default: albert-<command>)")
    String groupId;

    @Option(names = "--model-dir", required = true, paramLabel = "DIR",
            description = "Model directory: model.onnx, config.json, spiece.model")
    Path modelDirectory;

    @Option(names = "--model-sha256", paramLabel = "HEX",
            description = "Refuse to start unless model.onnx has this SHA-256 (as sha256sum prints it); checked on the"
                    + " client and on each TaskManager")
    String modelSha256;

    @Option(names = "--ship-model",
            description = "Send --model-dir from this machine to the TaskManagers with the job (Flink's distributed"
                    + " cache) instead of reading it at the same path there")
    boolean shipModel;

    @Option(names = "--model-version", paramLabel = "VERSION", description = "model_version written into results")
    String modelVersion;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Wire format of all three topics: avro-confluent (default; needs --schema-registry-url),"
                    + " avro-single-object or json")
    String format;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Schema registry for avro-confluent")
    String schemaRegistryUrl;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (security, SASL, SSL, tuning; consumer./producer. prefixes)")
    Path kafkaConfig;

    @Option(names = "--format-config", paramLabel = "FILE",
            description = "Serde properties (format, schema.registry.url, basic.auth.user.info, …)")
    Path formatConfig;

    @Option(names = "--delivery-guarantee", defaultValue = "exactly-once", paramLabel = "GUARANTEE",
            description = "exactly-once (default) or at-least-once")
    String deliveryGuarantee;

    @Option(names = "--checkpoint-interval", defaultValue = "10s", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Checkpoint interval, e.g. 500ms, 10s, 1m (default: ${DEFAULT-VALUE})")
    Duration checkpointInterval;

    /** The earlier spelling, in milliseconds (its own field: picocli sets unmatched defaults after parsing). */
    @Option(names = "--checkpoint-interval-ms", hidden = true, paramLabel = "MS")
    Long checkpointIntervalMillis;

    /** {@code --checkpoint-interval}, or its earlier spelling when that was given. */
    Duration checkpointInterval() {
        return checkpointIntervalMillis != null ? Duration.ofMillis(checkpointIntervalMillis) : checkpointInterval;
    }

    @Mixin
    OperatorOptions operator;

    @Option(names = "--parallelism", paramLabel = "N", description = "Job parallelism (default: the cluster's)")
    Integer parallelism;

    @Option(names = "--bounded", description = "Stop at the input's end offsets at start-up (reprocess, then exit)")
    boolean bounded;

    /** The head this job runs; its {@link ModelTask#optionValue()} is the command's name. */
    abstract ModelTask task();

    /** The DataStream operator of this job: {@code settings} applied to the head's builder, then its own options. */
    abstract AlbertTransform<?, OUT> operator(BuilderSettings settings);

    /** The command's name ({@code classify}, {@code embed}, {@code qa}). */
    final String name() {
        return task().optionValue();
    }

    @Override
    public Integer call() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AlbertTransform<?, OUT> operator;
        KafkaPipeline<OUT> pipeline;
        try {
            OnnxRuntimeAvailability.require(); // before anything touches ONNX Runtime's classes
            operator = operator(new BuilderSettings());
            pipeline = pipeline(operator);
            configure(env);
        } catch (IllegalArgumentException | IllegalStateException | InvalidModelException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        AlbertModel checked;
        try {
            checked = operator.open(); // fails here, not on the TaskManagers; shares its session with a local job
        } catch (InvalidModelException | IllegalStateException | IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--model-dir " + modelDirectory + ": " + e.getMessage(), e);
        }
        try (checked) {
            // On the client, before submitting: unreachable brokers fail here with the fix, not in a TaskManager's log.
            try {
                KafkaReachability.check(bootstrapServers, (kafkaConfig == null ? KafkaClientProperties.empty()
                        : KafkaClientProperties.load(kafkaConfig)).consumer(), inputTopic,
                        KafkaReachability.DEFAULT_TIMEOUT);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            pipeline.addTo(env);
            env.execute("albert-" + name() + ": " + inputTopic + " → " + outputTopic);
        }
        return 0;
    }

    private KafkaPipeline<OUT> pipeline(AlbertTransform<?, OUT> operator) {
        KafkaClientProperties kafka = kafkaConfig == null ? KafkaClientProperties.empty()
                : KafkaClientProperties.load(kafkaConfig);
        if (bootstrapServers == null && kafka.consumer().getProperty("bootstrap.servers") == null) {
            throw new IllegalArgumentException("set --bootstrap-servers HOST:PORT (or bootstrap.servers in --kafka-config)");
        }
        KafkaRecordFormat recordFormat = recordFormat();
        String group = groupId != null ? groupId : "albert-" + name();
        KafkaPipeline.Builder<OUT> builder = JobAssembly
                .pipeline(operator, recordFormat, inputTopic, outputTopic, deadLetterTopic, group)
                .setKafkaProperties(kafka)
                .setBootstrapServers(bootstrapServers)
                .setDeliveryGuarantee(guarantee());
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    private void configure(StreamExecutionEnvironment env) {
        if (parallelism != null) {
            if (parallelism < 1) {
                throw new IllegalArgumentException("--parallelism must be at least 1, got " + parallelism);
            }
            env.setParallelism(parallelism);
        }
        Duration interval = checkpointInterval();
        if (interval.toMillis() < 10) {
            throw new IllegalArgumentException("--checkpoint-interval must be at least 10ms, got " + interval);
        }
        env.enableCheckpointing(interval.toMillis());
        // Chained operators pass references instead of copies; no operator here changes a record it emitted.
        env.getConfig().enableObjectReuse();
    }

    private DeliveryGuarantee guarantee() {
        return switch (deliveryGuarantee.toLowerCase(Locale.ROOT)) {
            case "exactly-once" -> DeliveryGuarantee.EXACTLY_ONCE;
            case "at-least-once" -> DeliveryGuarantee.AT_LEAST_ONCE;
            default -> throw new IllegalArgumentException("--delivery-guarantee must be exactly-once or at-least-once,"
                    + " got '" + deliveryGuarantee + "'");
        };
    }

    /** {@code --format-config} first, then {@code --format} and {@code --schema-registry-url}, which win. */
    private KafkaRecordFormat recordFormat() {
        Properties options = new Properties();
        if (formatConfig != null) {
            try (Reader reader = Files.newBufferedReader(formatConfig, StandardCharsets.UTF_8)) {
                options.load(reader);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("--format-config " + formatConfig + " does not exist");
            } catch (IOException e) {
                throw new IllegalArgumentException("--format-config " + formatConfig + " cannot be read: " + e);
            }
        }
        if (format != null) {
            options.setProperty(SerdeOptions.FORMAT, format);
        }
        if (schemaRegistryUrl != null) {
            options.setProperty(SerdeOptions.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        }
        return KafkaRecordFormat.fromProperties(options);
    }

    /** The builder settings every job shares, applied to the operator's builder. */
    final class BuilderSettings {
        <B extends AlbertTransform.Builder<B, ?>> B apply(B builder) {
            ModelLocation location = shipModel ? ModelLocation.shipped(modelDirectory) : ModelLocation.local(modelDirectory);
            builder.modelLocation(location.withModelSha256(modelSha256))
                    .modelVersion(modelVersion)
                    .uid(name());
            return operator.applyTo(builder, "albert-" + name() + ":" + modelDirectory.toAbsolutePath().normalize());
        }
    }

    /** Runs a job class as a {@code main} (for {@code flink run}): the same options as {@code ./albert <command>}. */
    static int run(AlbertJob<?> job, String... args) {
        return new CommandLine(job).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    /** {@code 500ms}, {@code 10s}, {@code 2m}, ISO-8601 ({@code PT10S}), or a bare number of milliseconds. */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
                return Duration.ofMillis(Long.parseLong(v));
            }
            if (v.startsWith("pt")) {
                return Duration.parse(v);
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration: use 500ms, 10s or 1m");
        }
    }
}
