package dev.flinkalbert.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.formats.avro.SchemaCoder;

/**
 * How records are written to and read from Kafka: the one entry point the jobs use to get Flink (de)serialization
 * schemas, and Kafka serializers, for a {@link WireFormat} chosen by configuration.
 *
 * <pre>{@code
 * KafkaRecordFormat format = KafkaRecordFormat.builder()
 *         .format(WireFormat.AVRO_CONFLUENT)
 *         .schemaRegistryUrl("https://registry.example.com:8081")
 *         .basicAuthUserInfo("flink:secret")
 *         .sslTruststore("/etc/kafka/truststore.p12", "changeit", "PKCS12")
 *         .build();
 * // or, from the same keys Confluent's serializers use:
 * // KafkaRecordFormat format = KafkaRecordFormat.fromProperties(props);   // format=avro-confluent, schema.registry.url=…
 *
 * DeserializationSchema<TextEvent> in = format.deserializer(TextEvent.class);
 * SerializationSchema<ClassificationResult> out = format.serializer(ClassificationResult.class, "results");
 * KafkaSource<TextEvent> source = KafkaSource.<TextEvent>builder()
 *         .setBootstrapServers(brokers).setTopics("texts")
 *         .setValueOnlyDeserializer(in)
 *         .build();
 * }</pre>
 *
 * <p>The options, all listed in {@link SerdeOptions}: {@value SerdeOptions#FORMAT} ({@code avro-confluent}, the
 * default; {@code avro-single-object}; {@code json}); for {@code avro-confluent} {@value
 * SerdeOptions#SCHEMA_REGISTRY_URL} is required, and basic authentication, TLS, {@value
 * SerdeOptions#AUTO_REGISTER_SCHEMAS}, {@value SerdeOptions#USE_LATEST_VERSION} and {@value
 * SerdeOptions#VALUE_SUBJECT_NAME_STRATEGY} work as in Confluent's serializers; for {@code avro-single-object}
 * {@value SerdeOptions#KNOWN_SCHEMAS} adds writer schemas to the project's own.
 *
 * <p>Deserializers throw an {@link IOException} for every message they cannot read: {@link
 * MalformedRecordException} when the message is at fault, {@link SchemaRegistryException} when the registry is.
 * They never return null.
 */
@PublicEvolving
public final class KafkaRecordFormat implements Serializable {
    private static final long serialVersionUID = 1L;

    private final WireFormat wireFormat;
    private final RegistrySettings registry;
    private final List<String> knownSchemas;
    private final String recordClass;

    private KafkaRecordFormat(WireFormat wireFormat, RegistrySettings registry, List<String> knownSchemas,
            String recordClass) {
        this.wireFormat = wireFormat;
        this.registry = registry;
        this.knownSchemas = List.copyOf(knownSchemas);
        this.recordClass = recordClass;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A format from {@link SerdeOptions} keys; unknown keys are rejected.
     *
     * @throws IllegalArgumentException naming the option to fix
     */
    public static KafkaRecordFormat fromProperties(Properties properties) {
        Builder builder = builder();
        properties.stringPropertyNames().forEach(key -> builder.option(key, properties.getProperty(key)));
        return builder.build();
    }

    /** As {@link #fromProperties}, from a map. */
    public static KafkaRecordFormat fromMap(Map<String, ?> options) {
        Builder builder = builder();
        options.forEach((key, value) -> builder.option(key, value == null ? null : value.toString()));
        return builder.build();
    }

    /** From a Kafka client's configuration, which holds every other client setting too: those are ignored. */
    static KafkaRecordFormat fromKafkaConfigs(Map<String, ?> configs) {
        Builder builder = builder();
        configs.forEach((key, value) -> {
            if (SerdeOptions.ALL.contains(key) && value != null) {
                builder.option(key, value.toString());
            }
        });
        return builder.build();
    }

    public WireFormat wireFormat() {
        return wireFormat;
    }

    /** The registry settings; null unless the format is {@link WireFormat#AVRO_CONFLUENT}. */
    public RegistrySettings registrySettings() {
        return registry;
    }

    /** The {@value SerdeOptions#RECORD_CLASS} option, or null. */
    public String recordClass() {
        return recordClass;
    }

    /** Reads generated records of {@code recordClass}; older and newer writer schemas are resolved to it. */
    public <T extends SpecificRecord> DeserializationSchema<T> deserializer(Class<T> recordClass) {
        return deserializer(recordClass, null);
    }

    /** Reads {@link GenericRecord}s of {@code readerSchema}, resolving the writer schema to it. */
    public DeserializationSchema<GenericRecord> deserializer(Schema readerSchema) {
        return deserializer(GenericRecord.class, readerSchema);
    }

    /** Writes generated records of {@code recordClass} to {@code topic} (the topic names the registry subject). */
    public <T extends SpecificRecord> SerializationSchema<T> serializer(Class<T> recordClass, String topic) {
        return serializer(recordClass, null, topic, false);
    }

    /** Writes {@link GenericRecord}s of {@code writerSchema} to {@code topic}. */
    public SerializationSchema<GenericRecord> serializer(Schema writerSchema, String topic) {
        return serializer(GenericRecord.class, writerSchema, topic, false);
    }

    /** A Kafka {@code Serializer} writing the same bytes as {@link #serializer}, for plain Kafka producers. */
    public <T extends SpecificRecord> KafkaRecordSerializer<T> kafkaSerializer() {
        return new KafkaRecordSerializer<>(this);
    }

    /** A Kafka {@code Deserializer} reading as {@link #deserializer(Class)}, for plain Kafka consumers. */
    public <T extends SpecificRecord> KafkaRecordDeserializer<T> kafkaDeserializer(Class<T> recordClass) {
        return new KafkaRecordDeserializer<>(this, recordClass);
    }

    <T> DeserializationSchema<T> deserializer(Class<T> recordClass, Schema readerSchema) {
        return switch (wireFormat) {
            case AVRO_CONFLUENT -> new AvroRecordDeserializationSchema<>(recordClass, readerSchema,
                    new ConfluentSchemaCoder.Provider(registry, null, false));
            case AVRO_SINGLE_OBJECT -> new AvroRecordDeserializationSchema<>(recordClass, readerSchema,
                    singleObjectCoder(readerSchema));
            case JSON -> new JsonRecordDeserializationSchema<>(recordClass, readerSchema);
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    <T> SerializationSchema<T> serializer(Class<T> recordClass, Schema writerSchema, String topic, boolean isKey) {
        return switch (wireFormat) {
            case AVRO_CONFLUENT -> {
                if (topic == null || topic.isBlank()) {
                    throw new IllegalArgumentException("avro-confluent needs the topic written to: it names the "
                            + "registry subject (" + registry.subjectNameStrategy().confluentName() + ").");
                }
                yield new AvroRecordSerializationSchema<>(recordClass, writerSchema,
                        new ConfluentSchemaCoder.Provider(registry, topic, isKey));
            }
            case AVRO_SINGLE_OBJECT -> new AvroRecordSerializationSchema<>(recordClass, writerSchema,
                    singleObjectCoder(writerSchema));
            case JSON -> (SerializationSchema<T>) new JsonRecordSerializationSchema();
        };
    }

    private SchemaCoder.SchemaCoderProvider singleObjectCoder(Schema ownSchema) {
        List<String> schemas = new ArrayList<>(knownSchemas);
        if (ownSchema != null) {
            schemas.add(ownSchema.toString());
        }
        return new SingleObjectSchemaCoder.Provider(schemas);
    }

    @Override
    public String toString() {
        return "KafkaRecordFormat[" + wireFormat.optionValue() + (registry == null ? "" : ", " + registry) + "]";
    }

    /**
     * Builds a {@link KafkaRecordFormat}:
     *
     * <pre>{@code
     * KafkaRecordFormat format = KafkaRecordFormat.builder()
     *         .schemaRegistryUrl("http://localhost:8081")           // format avro-confluent is the default
     *         .subjectNameStrategy(SubjectNameStrategy.RECORD_NAME)
     *         .autoRegisterSchemas(false)
     *         .build();                                              // checks the settings
     * }</pre>
     *
     * <p>Every setter is a shortcut for {@link #option(String, String)} with a {@link SerdeOptions} key.
     */
    public static final class Builder {
        private final Map<String, String> options = new LinkedHashMap<>();
        private final List<String> knownSchemas = new ArrayList<>();

        private Builder() {
        }

        /**
         * Sets one {@link SerdeOptions} key.
         *
         * @throws IllegalArgumentException for an unknown key, listing the known ones
         */
        public Builder option(String key, String value) {
            if (!SerdeOptions.ALL.contains(key)) {
                throw new IllegalArgumentException("Unknown record format option '" + key + "'. Known options: "
                        + String.join(", ", SerdeOptions.ALL) + ".");
            }
            if (value == null) {
                options.remove(key);
            } else {
                options.put(key, value.trim());
            }
            return this;
        }

        public Builder format(WireFormat format) {
            return option(SerdeOptions.FORMAT, format.optionValue());
        }

        /** Comma-separated base URLs of the registry, tried in order. */
        public Builder schemaRegistryUrl(String urls) {
            return option(SerdeOptions.SCHEMA_REGISTRY_URL, urls);
        }

        /** Basic authentication with {@code user:password}. */
        public Builder basicAuthUserInfo(String userInfo) {
            option(SerdeOptions.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO");
            return option(SerdeOptions.BASIC_AUTH_USER_INFO, userInfo);
        }

        /** {@code USER_INFO} or {@code URL}. */
        public Builder basicAuthCredentialsSource(String source) {
            return option(SerdeOptions.BASIC_AUTH_CREDENTIALS_SOURCE, source);
        }

        /** Trust store for {@code https://} registries; {@code type} is {@code JKS} or {@code PKCS12}. */
        public Builder sslTruststore(String location, String password, String type) {
            option(SerdeOptions.SSL_TRUSTSTORE_LOCATION, location);
            option(SerdeOptions.SSL_TRUSTSTORE_PASSWORD, password);
            return option(SerdeOptions.SSL_TRUSTSTORE_TYPE, type);
        }

        /** Key store with this client's certificate, for mutual TLS; {@code type} is {@code JKS} or {@code PKCS12}. */
        public Builder sslKeystore(String location, String password, String type) {
            option(SerdeOptions.SSL_KEYSTORE_LOCATION, location);
            option(SerdeOptions.SSL_KEYSTORE_PASSWORD, password);
            return option(SerdeOptions.SSL_KEYSTORE_TYPE, type);
        }

        /** Password of the private key when it differs from the key store's. */
        public Builder sslKeyPassword(String password) {
            return option(SerdeOptions.SSL_KEY_PASSWORD, password);
        }

        public Builder requestTimeout(Duration timeout) {
            return option(SerdeOptions.REQUEST_TIMEOUT_MS, Long.toString(timeout.toMillis()));
        }

        public Builder autoRegisterSchemas(boolean autoRegister) {
            return option(SerdeOptions.AUTO_REGISTER_SCHEMAS, Boolean.toString(autoRegister));
        }

        public Builder useLatestVersion(boolean useLatest) {
            return option(SerdeOptions.USE_LATEST_VERSION, Boolean.toString(useLatest));
        }

        public Builder subjectNameStrategy(SubjectNameStrategy strategy) {
            return option(SerdeOptions.VALUE_SUBJECT_NAME_STRATEGY, strategy.confluentName());
        }

        /** A writer schema the {@code avro-single-object} reader should know (an earlier version of a record). */
        public Builder knownSchema(Schema schema) {
            knownSchemas.add(schema.toString());
            return this;
        }

        /**
         * Checks and resolves the options.
         *
         * @throws IllegalArgumentException naming the option to set or fix
         */
        public KafkaRecordFormat build() {
            WireFormat format = WireFormat.fromOptionValue(
                    options.getOrDefault(SerdeOptions.FORMAT, SerdeOptions.DEFAULT_FORMAT));
            RegistrySettings registry = format == WireFormat.AVRO_CONFLUENT ? registrySettings() : null;
            List<String> schemas = new ArrayList<>(knownSchemas);
            String known = options.get(SerdeOptions.KNOWN_SCHEMAS);
            if (known != null) {
                for (String location : known.split(",")) {
                    if (!location.isBlank()) {
                        schemas.add(readSchema(location.trim()));
                    }
                }
            }
            return new KafkaRecordFormat(format, registry, schemas, options.get(SerdeOptions.RECORD_CLASS));
        }

        private RegistrySettings registrySettings() {
            String urlOption = options.get(SerdeOptions.SCHEMA_REGISTRY_URL);
            if (urlOption == null || urlOption.isBlank()) {
                throw new IllegalArgumentException(SerdeOptions.FORMAT + "=avro-confluent needs "
                        + SerdeOptions.SCHEMA_REGISTRY_URL + " (the registry's base URL, e.g. http://localhost:8081). "
                        + "Without a registry, set " + SerdeOptions.FORMAT + "=avro-single-object or json.");
            }
            String source = options.getOrDefault(SerdeOptions.BASIC_AUTH_CREDENTIALS_SOURCE,
                    options.containsKey(SerdeOptions.BASIC_AUTH_USER_INFO) ? "USER_INFO" : "");
            String userInfo = null;
            List<String> urls = new ArrayList<>();
            for (String url : urlOption.split(",")) {
                URI uri = parseUrl(url.trim());
                if (uri.getUserInfo() != null) {
                    if (!source.equalsIgnoreCase("URL")) {
                        throw new IllegalArgumentException(SerdeOptions.SCHEMA_REGISTRY_URL + " holds credentials: "
                                + "set " + SerdeOptions.BASIC_AUTH_CREDENTIALS_SOURCE + "=URL to use them, or move "
                                + "them to " + SerdeOptions.BASIC_AUTH_USER_INFO + ".");
                    }
                    userInfo = uri.getUserInfo();
                    uri = URI.create(uri.getScheme() + "://" + uri.getRawAuthority().substring(
                            uri.getRawAuthority().indexOf('@') + 1) + (uri.getRawPath() == null ? "" : uri.getRawPath()));
                }
                urls.add(uri.toString());
            }
            switch (source.toUpperCase()) {
                case "" -> {
                }
                case "USER_INFO" -> {
                    userInfo = options.get(SerdeOptions.BASIC_AUTH_USER_INFO);
                    if (userInfo == null || !userInfo.contains(":")) {
                        throw new IllegalArgumentException(SerdeOptions.BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO "
                                + "needs " + SerdeOptions.BASIC_AUTH_USER_INFO + "=user:password.");
                    }
                }
                case "URL" -> {
                    if (userInfo == null) {
                        throw new IllegalArgumentException(SerdeOptions.BASIC_AUTH_CREDENTIALS_SOURCE + "=URL needs "
                                + "the credentials in " + SerdeOptions.SCHEMA_REGISTRY_URL
                                + ", e.g. https://user:password@registry:8081.");
                    }
                }
                default -> throw new IllegalArgumentException("Unsupported " + SerdeOptions.BASIC_AUTH_CREDENTIALS_SOURCE
                        + " '" + source + "'; use USER_INFO or URL.");
            }
            String keyPassword = options.get(SerdeOptions.SSL_KEY_PASSWORD);
            return new RegistrySettings(urls, userInfo,
                    store(SerdeOptions.SSL_TRUSTSTORE_LOCATION, SerdeOptions.SSL_TRUSTSTORE_PASSWORD,
                            SerdeOptions.SSL_TRUSTSTORE_TYPE),
                    store(SerdeOptions.SSL_KEYSTORE_LOCATION, SerdeOptions.SSL_KEYSTORE_PASSWORD,
                            SerdeOptions.SSL_KEYSTORE_TYPE),
                    keyPassword, positiveInt(SerdeOptions.REQUEST_TIMEOUT_MS, SerdeOptions.DEFAULT_REQUEST_TIMEOUT_MS),
                    bool(SerdeOptions.AUTO_REGISTER_SCHEMAS, SerdeOptions.DEFAULT_AUTO_REGISTER_SCHEMAS),
                    bool(SerdeOptions.USE_LATEST_VERSION, SerdeOptions.DEFAULT_USE_LATEST_VERSION),
                    SubjectNameStrategy.fromOptionValue(options.getOrDefault(SerdeOptions.VALUE_SUBJECT_NAME_STRATEGY,
                            SubjectNameStrategy.TOPIC_NAME.confluentName())));
        }

        private RegistrySettings.Store store(String locationKey, String passwordKey, String typeKey) {
            String location = options.get(locationKey);
            if (location == null || location.isBlank()) {
                return null;
            }
            return new RegistrySettings.Store(location, options.get(passwordKey),
                    options.getOrDefault(typeKey, SerdeOptions.DEFAULT_STORE_TYPE));
        }

        private static URI parseUrl(String url) {
            try {
                URI uri = URI.create(url);
                if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                        || uri.getHost() == null) {
                    throw new IllegalArgumentException("not an http:// or https:// URL with a host");
                }
                return uri;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(SerdeOptions.SCHEMA_REGISTRY_URL + " '" + url + "' is invalid ("
                        + e.getMessage() + "); write it as http://host:8081 or https://host:8081.", e);
            }
        }

        private int positiveInt(String key, int defaultValue) {
            String value = options.get(key);
            if (value == null) {
                return defaultValue;
            }
            try {
                int parsed = Integer.parseInt(value);
                if (parsed > 0) {
                    return parsed;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(key + " must be a positive whole number, not '" + value + "'.");
        }

        private boolean bool(String key, boolean defaultValue) {
            String value = options.get(key);
            if (value == null) {
                return defaultValue;
            }
            if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(value);
            }
            throw new IllegalArgumentException(key + " must be true or false, not '" + value + "'.");
        }

        private static String readSchema(String location) {
            String json;
            try {
                Path path = Path.of(location);
                if (Files.isRegularFile(path)) {
                    json = Files.readString(path, StandardCharsets.UTF_8);
                } else {
                    try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(
                            location.startsWith("/") ? location.substring(1) : location)) {
                        json = in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                }
            } catch (IOException e) {
                throw new IllegalArgumentException(SerdeOptions.KNOWN_SCHEMAS + ": cannot read '" + location + "': "
                        + e.getMessage(), e);
            }
            if (json == null) {
                throw new IllegalArgumentException(SerdeOptions.KNOWN_SCHEMAS + ": '" + location
                        + "' is neither a file nor a class-path resource.");
            }
            try {
                return new Schema.Parser().parse(json).toString();
            } catch (SchemaParseException e) {
                throw new IllegalArgumentException(SerdeOptions.KNOWN_SCHEMAS + ": '" + location
                        + "' is not an Avro schema: " + e.getMessage(), e);
            }
        }
    }
}
