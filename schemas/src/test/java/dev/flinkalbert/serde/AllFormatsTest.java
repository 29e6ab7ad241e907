package dev.flinkalbert.serde;

import java.io.IOException;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The three wire formats for tests that run each of them: the Confluent one against an in-process schema registry
 * started once per test class; {@link #records()} is a sample of every record type.
 */
abstract class AllFormatsTest {

    static final KafkaRecordFormat SINGLE_OBJECT =
            KafkaRecordFormat.builder().format(WireFormat.AVRO_SINGLE_OBJECT).build();
    static final KafkaRecordFormat JSON = KafkaRecordFormat.builder().format(WireFormat.JSON).build();

    static TestSchemaRegistry registry;
    static KafkaRecordFormat confluent;

    @BeforeAll
    static void startRegistry() throws IOException {
        registry = TestSchemaRegistry.http();
        confluent = KafkaRecordFormat.builder().schemaRegistryUrl(registry.url()).build();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    static Stream<SpecificRecord> records() {
        return SampleRecords.all().stream();
    }
}
