package dev.flinkalbert.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.TextEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Picking a format from configuration: what is accepted, and the one clear error for what is not. */
class KafkaRecordFormatTest {

    @Test
    void picksTheFormatFromProperties() {
        Properties props = new Properties();
        props.setProperty("format", "json");
        assertEquals(WireFormat.JSON, KafkaRecordFormat.fromProperties(props).wireFormat());
        props.setProperty("format", "avro-single-object");
        assertEquals(WireFormat.AVRO_SINGLE_OBJECT, KafkaRecordFormat.fromProperties(props).wireFormat());
        props.setProperty("format", "avro-confluent");
        props.setProperty("schema.registry.url", "http://registry:8081/");
        KafkaRecordFormat confluent = KafkaRecordFormat.fromProperties(props);
        assertEquals(WireFormat.AVRO_CONFLUENT, confluent.wireFormat());
        RegistrySettings settings = confluent.registrySettings();
        assertEquals(List.of("http://registry:8081/"), settings.urls());
        assertEquals(SubjectNameStrategy.TOPIC_NAME, settings.subjectNameStrategy());
        assertEquals(SerdeOptions.DEFAULT_AUTO_REGISTER_SCHEMAS, settings.autoRegister());
        assertEquals(SerdeOptions.DEFAULT_USE_LATEST_VERSION, settings.useLatestVersion());
        assertEquals(SerdeOptions.DEFAULT_REQUEST_TIMEOUT_MS, settings.requestTimeoutMs());
    }

    @Test
    void producesAvroTypeInformationForFlink() {
        for (WireFormat format : WireFormat.values()) {
            KafkaRecordFormat recordFormat = KafkaRecordFormat.fromMap(
                    Map.of("format", format.optionValue(), "schema.registry.url", "http://registry:8081"));
            assertEquals(new AvroTypeInfo<>(TextEvent.class),
                    recordFormat.deserializer(TextEvent.class).getProducedType(), format.optionValue());
        }
    }

    @Test
    void rejectsUnknownOptionsListingTheKnownOnes() {
        assertRejected("Unknown record format option 'schema.registry.urls'. Known options: " + String.join(", ",
                SerdeOptions.ALL) + ".", () -> KafkaRecordFormat.fromMap(Map.of("schema.registry.urls", "x")));
    }

    @Test
    void namesWhatToSetWhenSettingsAreMissingOrWrong() {
        assertRejected("format=avro-confluent needs schema.registry.url (the registry's base URL, e.g. "
                + "http://localhost:8081). Without a registry, set format=avro-single-object or json.",
                () -> KafkaRecordFormat.builder().build());
        assertRejected("Unknown format 'avro'; use one of avro-confluent, avro-single-object, json",
                () -> KafkaRecordFormat.fromMap(Map.of("format", "avro")));
        assertRejected("schema.registry.url 'localhost:8081' is invalid (not an http:// or https:// URL with a host); "
                + "write it as http://host:8081 or https://host:8081.",
                () -> KafkaRecordFormat.builder().schemaRegistryUrl("localhost:8081").build());
        assertRejected("basic.auth.credentials.source=USER_INFO needs basic.auth.user.info=user:password.",
                () -> KafkaRecordFormat.fromMap(Map.of("schema.registry.url", "http://r:8081",
                        "basic.auth.credentials.source", "USER_INFO")));
        assertRejected("basic.auth.credentials.source=URL needs the credentials in schema.registry.url, e.g. "
                + "https://user:password@registry:8081.", () -> KafkaRecordFormat.fromMap(Map.of(
                        "schema.registry.url", "http://r:8081", "basic.auth.credentials.source", "URL")));
        assertRejected("schema.registry.url holds credentials: set basic.auth.credentials.source=URL to use them, or "
                + "move them to basic.auth.user.info.",
                () -> KafkaRecordFormat.builder().schemaRegistryUrl("http://u:p@r:8081").build());
        assertRejected("Unsupported basic.auth.credentials.source 'SASL_INHERIT'; use USER_INFO or URL.",
                () -> KafkaRecordFormat.builder().schemaRegistryUrl("http://r:8081")
                        .basicAuthCredentialsSource("SASL_INHERIT").build());
        assertRejected("auto.register.schemas must be true or false, not 'yes'.", () -> KafkaRecordFormat.fromMap(
                Map.of("schema.registry.url", "http://r:8081", "auto.register.schemas", "yes")));
        assertRejected("schema.registry.request.timeout.ms must be a positive whole number, not '0'.",
                () -> KafkaRecordFormat.fromMap(Map.of("schema.registry.url", "http://r:8081",
                        "schema.registry.request.timeout.ms", "0")));
        assertRejected("Unknown value.subject.name.strategy 'TopicStrategy'; use one of TopicNameStrategy, "
                + "RecordNameStrategy, TopicRecordNameStrategy", () -> KafkaRecordFormat.fromMap(Map.of(
                        "schema.registry.url", "http://r:8081", "value.subject.name.strategy", "TopicStrategy")));
        assertRejected("avro.known.schemas: 'nowhere/Old.avsc' is neither a file nor a class-path resource.",
                () -> KafkaRecordFormat.fromMap(Map.of("format", "avro-single-object",
                        "avro.known.schemas", "nowhere/Old.avsc")));
        assertRejected("avro-confluent needs the topic written to: it names the registry subject (TopicNameStrategy).",
                () -> KafkaRecordFormat.builder().schemaRegistryUrl("http://r:8081").build()
                        .serializer(TextEvent.class, ""));
        assertRejected("KafkaRecordDeserializer needs record.class, the generated class to read, e.g. "
                + "dev.flinkalbert.avro.TextEvent.", () -> new KafkaRecordDeserializer<TextEvent>()
                        .configure(Map.of("format", "json", "bootstrap.servers", "b:9092"), false));
    }

    @Test
    void schemasSurviveJavaSerializationAsFlinkShipsThem() throws Exception {
        for (WireFormat format : List.of(WireFormat.AVRO_SINGLE_OBJECT, WireFormat.JSON)) {
            KafkaRecordFormat recordFormat = KafkaRecordFormat.builder().format(format).build();
            SerializationSchema<ClassificationResult> out = recordFormat.serializer(ClassificationResult.class, "r");
            DeserializationSchema<ClassificationResult> in = recordFormat.deserializer(ClassificationResult.class);
            byte[] bytes = out.serialize(SampleRecords.classification()); // used first: coders exist
            in.deserialize(bytes);

            assertEquals(SampleRecords.classification(), roundTrip(in).deserialize(roundTrip(out)
                    .serialize(SampleRecords.classification())), format.optionValue());
        }
        DeserializationSchema<TextEvent> confluent = KafkaRecordFormat.builder()
                .schemaRegistryUrl("http://r:8081").basicAuthUserInfo("u:secret").build().deserializer(TextEvent.class);
        assertEquals(confluent, roundTrip(confluent));
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T object) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    private static void assertRejected(String expectedMessage, Executable build) {
        assertEquals(expectedMessage, assertThrows(IllegalArgumentException.class, build).getMessage());
    }
}
