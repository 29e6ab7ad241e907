package dev.flinkalbert.serde;

import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Every configuration key of the record formats, named once. The registry keys are Confluent's own, so a
 * {@code producer.properties} written for Confluent's {@code KafkaAvroSerializer} works unchanged.
 *
 * <p>{@link KafkaRecordFormat#fromProperties} rejects keys not listed in {@link #ALL}; the Kafka
 * {@link KafkaRecordSerializer}/{@link KafkaRecordDeserializer} ignore them, because Kafka hands them every producer
 * and consumer setting as well.
 */
@PublicEvolving
public final class SerdeOptions {

    /** {@code avro-confluent} (default), {@code avro-single-object} or {@code json}; see {@link WireFormat}. */
    public static final String FORMAT = "format";

    /** Comma-separated base URLs of a Schema-Registry-compatible REST API; required for {@code avro-confluent}. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

    /** {@code USER_INFO} (credentials in {@link #BASIC_AUTH_USER_INFO}) or {@code URL} (user:password@ in the URL). */
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";

    /** {@code user:password} for HTTP basic authentication against the registry. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";

    /** Trust store (JKS or PKCS12) holding the registry's CA or certificate, for {@code https://} URLs. */
    public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    /** {@code JKS} (default, as Confluent) or {@code PKCS12}. */
    public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";

    /** Key store with this client's certificate, for registries that require mutual TLS. */
    public static final String SSL_KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
    /** {@code JKS} (default, as Confluent) or {@code PKCS12}. */
    public static final String SSL_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
    /** Password of the private key; defaults to the key store password. */
    public static final String SSL_KEY_PASSWORD = "schema.registry.ssl.key.password";

    /** Timeout of each registry request, connecting included, in milliseconds. */
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

    /** Register the writer schema under its subject when it is not there yet (default true). */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";

    /** Write with the subject's latest registered version instead of the record's own schema (default false). */
    public static final String USE_LATEST_VERSION = "use.latest.version";

    /**
     * How the subject is named: {@code TopicNameStrategy} ({@code <topic>-value}, default),
     * {@code RecordNameStrategy} (the record's full name) or {@code TopicRecordNameStrategy}
     * ({@code <topic>-<full name>}); Confluent's fully qualified class names are accepted too.
     */
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";

    /**
     * Extra writer schemas the {@code avro-single-object} reader knows, besides the project's own: comma-separated
     * {@code .avsc} files or class-path resources (earlier versions of a record, say).
     */
    public static final String KNOWN_SCHEMAS = "avro.known.schemas";

    /** Record class a {@link KafkaRecordDeserializer} made by Kafka (no-argument constructor) produces. */
    public static final String RECORD_CLASS = "record.class";

    public static final String DEFAULT_FORMAT = "avro-confluent";
    public static final String DEFAULT_STORE_TYPE = "JKS";
    public static final int DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
    public static final boolean DEFAULT_AUTO_REGISTER_SCHEMAS = true;
    public static final boolean DEFAULT_USE_LATEST_VERSION = false;

    /** Every key {@link KafkaRecordFormat#fromProperties} accepts. */
    public static final List<String> ALL = List.of(FORMAT, SCHEMA_REGISTRY_URL, BASIC_AUTH_CREDENTIALS_SOURCE,
            BASIC_AUTH_USER_INFO, SSL_TRUSTSTORE_LOCATION, SSL_TRUSTSTORE_PASSWORD, SSL_TRUSTSTORE_TYPE,
            SSL_KEYSTORE_LOCATION, SSL_KEYSTORE_PASSWORD, SSL_KEYSTORE_TYPE, SSL_KEY_PASSWORD, REQUEST_TIMEOUT_MS,
            AUTO_REGISTER_SCHEMAS, USE_LATEST_VERSION, VALUE_SUBJECT_NAME_STRATEGY, KNOWN_SCHEMAS, RECORD_CLASS);

    private SerdeOptions() {
    }
}
