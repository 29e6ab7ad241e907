package dev.flinkalbert.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.TextEvent;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.formats.avro.RegistryAvroDeserializationSchema;
import org.apache.flink.formats.avro.RegistryAvroSerializationSchema;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Confluent wire format against a registry speaking Confluent's REST API on 127.0.0.1. */
@Timeout(60)
class ConfluentRegistryTest {

    private TestSchemaRegistry registry;

    @BeforeEach
    void startRegistry() throws Exception {
        registry = TestSchemaRegistry.http();
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    private KafkaRecordFormat.Builder format() {
        return KafkaRecordFormat.builder().format(WireFormat.AVRO_CONFLUENT).schemaRegistryUrl(registry.url());
    }

    @Test
    void registersTheSchemaUnderTheTopicSubjectAndReadsItBackById() throws Exception {
        registry.register("other-value", ClassificationResult.getClassSchema()); // takes id 1
        KafkaRecordFormat format = format().build();
        TextEvent event = SampleRecords.textEvent();

        byte[] bytes = open(format.serializer(TextEvent.class, "texts")).serialize(event);

        assertEquals(0x00, bytes[0]);
        assertEquals(2, ByteBuffer.wrap(bytes, 1, 4).getInt(), "id of the newly registered schema, big-endian");
        TestSchemaRegistry.Request register = registry.requests().get(0);
        assertEquals("POST", register.method());
        assertEquals("/subjects/texts-value/versions", register.path());
        assertEquals(TestSchemaRegistry.CONTENT_TYPE, register.contentType());

        assertEquals(event, format.deserializer(TextEvent.class).deserialize(bytes));
        assertEquals(List.of("POST /subjects/texts-value/versions", "GET /schemas/ids/2"), requestLines());
    }

    @Test
    void cachesIdsAndSchemasSoOnlyTheFirstRecordCallsTheRegistry() throws Exception {
        KafkaRecordFormat format = format().build();
        SerializationSchema<TextEvent> serializer = format.serializer(TextEvent.class, "texts");
        DeserializationSchema<TextEvent> deserializer = format.deserializer(TextEvent.class);

        byte[] first = serializer.serialize(SampleRecords.textEvent());
        deserializer.deserialize(first);
        int afterFirst = registry.requests().size();
        assertEquals(2, afterFirst);

        byte[] second = serializer.serialize(SampleRecords.qaEvent());
        assertEquals(SampleRecords.qaEvent(), deserializer.deserialize(second));
        assertEquals(SampleRecords.textEvent(), deserializer.deserialize(first));
        assertEquals(afterFirst, registry.requests().size(), "no HTTP call after the first record: " + requestLines());
    }

    @Test
    void recordNameStrategyNamesTheSubjectAfterTheRecord() throws Exception {
        KafkaRecordFormat format = KafkaRecordFormat.fromMap(Map.of("format", "avro-confluent",
                "schema.registry.url", registry.url(),
                "value.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy"));
        format.serializer(ClassificationResult.class, "results").serialize(SampleRecords.classification());
        assertEquals(List.of("POST /subjects/dev.flinkalbert.avro.ClassificationResult/versions"), requestLines());
    }

    @Test
    void withoutAutoRegisterLooksTheSchemaUpAndSaysWhenItIsMissing() throws Exception {
        KafkaRecordFormat format = format().autoRegisterSchemas(false).build();
        SerializationSchema<TextEvent> serializer = format.serializer(TextEvent.class, "texts");

        SchemaRegistryException missing = assertThrows(SchemaRegistryException.class, () -> open(serializer));
        assertEquals(404, missing.httpStatus());
        assertTrue(missing.getMessage().contains("auto.register.schemas=true"), missing.getMessage());
        assertTrue(missing.getMessage().contains("subject 'texts-value'"), missing.getMessage());

        int id = registry.register("texts-value", TextEvent.getClassSchema());
        byte[] bytes = format.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent());
        assertEquals(id, ByteBuffer.wrap(bytes, 1, 4).getInt());
        assertEquals("POST /subjects/texts-value", requestLines().get(requestLines().size() - 1));
    }

    @Test
    void useLatestVersionWritesTheSubjectsLatestId() throws Exception {
        registry.register("texts-value", ClassificationResult.getClassSchema());
        int latest = registry.register("texts-value", TextEvent.getClassSchema());
        KafkaRecordFormat format = format().useLatestVersion(true).autoRegisterSchemas(false).build();

        byte[] bytes = format.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent());

        assertEquals(latest, ByteBuffer.wrap(bytes, 1, 4).getInt());
        assertEquals(List.of("GET /subjects/texts-value/versions/latest"), requestLines());
    }

    @Test
    void useLatestVersionRefusesALatestVersionOfAnotherLayout() throws Exception {
        registry.register("texts-value", ClassificationResult.getClassSchema());
        KafkaRecordFormat format = format().useLatestVersion(true).build();
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> format.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent()));
        assertTrue(e.getMessage().contains("use.latest.version=false"), e.getMessage());
    }

    @Test
    void unknownSchemaIdIsReportedAsSuch() throws Exception {
        byte[] bytes = {0x00, 0, 0, 0x03, (byte) 0xE7, 0x02, 0x41};
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                () -> format().build().deserializer(TextEvent.class).deserialize(bytes));
        assertEquals(404, e.httpStatus());
        assertEquals("The schema registry at " + registry.url() + " does not know schema id 999 (HTTP 404, error "
                + "40403 on GET /schemas/ids/999: Schema 999 not found). The record was written against another "
                + "registry, or its schema was deleted.", e.getMessage());
    }

    @Test
    void unreachableRegistryGivesOneClearError() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort;
        KafkaRecordFormat format = KafkaRecordFormat.builder().schemaRegistryUrl(url).build();

        SchemaRegistryException read = assertThrows(SchemaRegistryException.class,
                () -> format.deserializer(TextEvent.class).deserialize(new byte[] {0, 0, 0, 0, 1, 2}));
        assertEquals(0, read.httpStatus());
        String message = read.getMessage();
        assertTrue(message.startsWith("Cannot reach the schema registry (GET /schemas/ids/1) at " + url + ": "
                + "ConnectException"), message);
        assertTrue(message.endsWith("Check schema.registry.url, that the registry is running, and that this "
                + "machine can reach it (host, port, proxy, firewall)."), message);

        SchemaRegistryException write = assertThrows(SchemaRegistryException.class,
                () -> open(format.serializer(TextEvent.class, "texts")));
        assertTrue(write.getMessage().startsWith("Cannot reach the schema registry (POST "
                + "/subjects/texts-value/versions) at " + url), write.getMessage());
    }

    @Test
    void triesTheNextUrlWhenTheFirstIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        KafkaRecordFormat format = KafkaRecordFormat.builder()
                .schemaRegistryUrl("http://127.0.0.1:" + closedPort + "," + registry.url()).build();
        byte[] bytes = format.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent());
        assertEquals(SampleRecords.textEvent(), format.deserializer(TextEvent.class).deserialize(bytes));
    }

    @Test
    void worksUnderABasePathAsApicuriosCompatibleApi() throws Exception {
        try (TestSchemaRegistry apicurio = TestSchemaRegistry.http("/apis/ccompat/v7")) {
            KafkaRecordFormat format = KafkaRecordFormat.builder().schemaRegistryUrl(apicurio.url() + "/").build();
            byte[] bytes = format.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent());
            assertEquals(SampleRecords.textEvent(), format.deserializer(TextEvent.class).deserialize(bytes));
            assertEquals(List.of("/subjects/texts-value/versions", "/schemas/ids/1"),
                    apicurio.requests().stream().map(TestSchemaRegistry.Request::path).toList());
        }
    }

    @Test
    void sendsBasicAuthAndSaysWhenTheCredentialsAreWrong() throws Exception {
        registry.requireBasicAuth("flink:s3cret");
        byte[] bytes = format().basicAuthUserInfo("flink:s3cret").build()
                .serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent());
        assertEquals("Basic " + Base64.getEncoder().encodeToString("flink:s3cret".getBytes(StandardCharsets.UTF_8)),
                registry.requests().get(0).authorization());

        SchemaRegistryException wrong = assertThrows(SchemaRegistryException.class,
                () -> format().basicAuthUserInfo("flink:wrong").build().deserializer(TextEvent.class)
                        .deserialize(bytes));
        assertEquals(401, wrong.httpStatus());
        assertEquals("The schema registry at " + registry.url() + " refused the credentials (HTTP 401, error 401 on "
                + "GET /schemas/ids/1: Unauthorized). Check the user and password in basic.auth.user.info (or in the "
                + "URL when basic.auth.credentials.source=URL) and that this user may use the subject.",
                wrong.getMessage());

        SchemaRegistryException none = assertThrows(SchemaRegistryException.class,
                () -> format().build().deserializer(TextEvent.class).deserialize(bytes));
        assertTrue(none.getMessage().contains("No credentials are set: set basic.auth.credentials.source=USER_INFO "
                + "and basic.auth.user.info=user:password."), none.getMessage());
    }

    @Test
    void takesCredentialsFromTheUrlWhenTold() throws Exception {
        registry.requireBasicAuth("flink:s3cret");
        String url = registry.url().replace("://", "://flink:s3cret@");
        KafkaRecordFormat format = KafkaRecordFormat.fromMap(Map.of("schema.registry.url", url,
                "basic.auth.credentials.source", "URL"));
        byte[] bytes = format.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent());
        assertEquals(SampleRecords.textEvent(), format.deserializer(TextEvent.class).deserialize(bytes));
        assertTrue(format.registrySettings().urls().get(0).equals(registry.url()), "credentials left the URL");
    }

    @Test
    void talksTlsWithATrustStoreAndMutualTlsWithAKeyStore(@TempDir Path dir) throws Exception {
        TestTls tls = TestTls.create(dir);
        try (TestSchemaRegistry https = TestSchemaRegistry.https(tls.serverContext(), false)) {
            KafkaRecordFormat format = KafkaRecordFormat.builder().schemaRegistryUrl(https.url())
                    .sslTruststore(tls.serverTruststore.toString(), TestTls.PASSWORD, "PKCS12").build();
            byte[] bytes = format.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent());
            assertEquals(SampleRecords.textEvent(), format.deserializer(TextEvent.class).deserialize(bytes));

            SchemaRegistryException untrusted = assertThrows(SchemaRegistryException.class,
                    () -> open(KafkaRecordFormat.builder().schemaRegistryUrl(https.url()).build()
                            .serializer(TextEvent.class, "texts")));
            assertTrue(untrusted.getMessage().startsWith("TLS handshake with the schema registry at " + https.url()
                    + " failed"), untrusted.getMessage());
            assertTrue(untrusted.getMessage().contains("Check schema.registry.ssl.truststore.location"),
                    untrusted.getMessage());
        }
        try (TestSchemaRegistry mutual = TestSchemaRegistry.https(tls.serverContext(), true)) {
            KafkaRecordFormat format = KafkaRecordFormat.fromMap(Map.of("schema.registry.url", mutual.url(),
                    "schema.registry.ssl.truststore.location", tls.serverTruststore.toString(),
                    "schema.registry.ssl.truststore.password", TestTls.PASSWORD,
                    "schema.registry.ssl.truststore.type", "PKCS12",
                    "schema.registry.ssl.keystore.location", tls.clientKeystore.toString(),
                    "schema.registry.ssl.keystore.password", TestTls.PASSWORD,
                    "schema.registry.ssl.keystore.type", "PKCS12"));
            byte[] bytes = format.serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent());
            assertEquals(SampleRecords.textEvent(), format.deserializer(TextEvent.class).deserialize(bytes));

            KafkaRecordFormat withoutKey = KafkaRecordFormat.builder().schemaRegistryUrl(mutual.url())
                    .sslTruststore(tls.serverTruststore.toString(), TestTls.PASSWORD, "PKCS12").build();
            SchemaRegistryException refused = assertThrows(SchemaRegistryException.class,
                    () -> withoutKey.deserializer(TextEvent.class).deserialize(bytes));
            assertTrue(refused.getMessage().contains("schema.registry.ssl.keystore.location"), refused.getMessage());
        }
    }

    @Test
    void flinkAvrosOwnRegistrySchemasWorkWithTheCoder() throws Exception {
        RegistrySettings settings = format().build().registrySettings();
        RegistryAvroSerializationSchema<TextEvent> serializer = RegistryAvroSerializationSchema.forSpecific(
                TextEvent.class, new ConfluentSchemaCoder.Provider(settings, "texts", false));
        RegistryAvroDeserializationSchema<TextEvent> deserializer = new RegistryAvroDeserializationSchema<>(
                TextEvent.class, null, new ConfluentSchemaCoder.Provider(settings, null, false));

        byte[] bytes = serializer.serialize(SampleRecords.textEvent());

        assertArrayEquals(format().build().serializer(TextEvent.class, "texts").serialize(SampleRecords.textEvent()),
                bytes);
        assertEquals(SampleRecords.textEvent(), deserializer.deserialize(bytes));
    }

    @Test
    void kafkaSerializerConfiguredTheConfluentWayWritesTheSameBytes() throws Exception {
        registry.requireBasicAuth("producer:pw");
        Map<String, Object> producerConfig = Map.of("bootstrap.servers", "127.0.0.1:9092",
                "value.serializer", KafkaRecordSerializer.class.getName(),
                "format", "avro-confluent", "schema.registry.url", registry.url(),
                "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "producer:pw",
                "record.class", TextEvent.class.getName());
        try (KafkaRecordSerializer<TextEvent> serializer = new KafkaRecordSerializer<>();
                KafkaRecordDeserializer<TextEvent> deserializer = new KafkaRecordDeserializer<>()) {
            serializer.configure(producerConfig, false);
            deserializer.configure(producerConfig, false);

            byte[] bytes = serializer.serialize("texts", SampleRecords.textEvent());

            assertArrayEquals(format().basicAuthUserInfo("producer:pw").build().serializer(TextEvent.class, "texts")
                    .serialize(SampleRecords.textEvent()), bytes);
            assertEquals(SampleRecords.textEvent(), deserializer.deserialize("texts", bytes));
            assertNull(deserializer.deserialize("texts", null), "a tombstone stays null, as in Kafka");
            SerializationException bad = assertThrows(SerializationException.class,
                    () -> deserializer.deserialize("texts", Arrays.copyOf(bytes, 3)));
            assertInstanceOf(MalformedRecordException.class, bad.getCause());
        }
        serializerForKeysUsesTheKeySubject();
    }

    private void serializerForKeysUsesTheKeySubject() {
        try (KafkaRecordSerializer<TextEvent> keys = new KafkaRecordSerializer<>(
                format().basicAuthUserInfo("producer:pw").build())) {
            keys.configure(Map.of(), true);
            keys.serialize("texts", SampleRecords.textEvent());
        }
        assertEquals("POST /subjects/texts-key/versions", requestLines().get(requestLines().size() - 1));
    }

    private List<String> requestLines() {
        return registry.requests().stream().map(r -> r.method() + " " + r.path()).toList();
    }

    private static <T> SerializationSchema<T> open(SerializationSchema<T> schema) throws Exception {
        schema.open(null);
        return schema;
    }
}
