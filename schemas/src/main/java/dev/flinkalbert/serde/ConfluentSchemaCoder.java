package dev.flinkalbert.serde;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.flink.annotation.Internal;
import org.apache.flink.formats.avro.SchemaCoder;

/**
 * Confluent's wire format: magic byte {@code 0x00}, then the writer schema's registry id as 4 bytes big-endian,
 * then the Avro binary record. Plugs into flink-avro's {@code RegistryAvro(De)SerializationSchema}.
 *
 * <p>Writing, the id comes from the subject named by {@link RegistrySettings#subjectNameStrategy()}: registered
 * there when {@link RegistrySettings#autoRegister()}, looked up otherwise, or the subject's latest version with
 * {@link RegistrySettings#useLatestVersion()}. Every answer is cached, so only the first record of each schema
 * calls the registry.
 *
 * <p>Serializable (without its client) because {@code RegistryAvroSerializationSchema} does not mark its coder
 * transient.
 */
@Internal
public final class ConfluentSchemaCoder implements SchemaCoder, Serializable {
    private static final long serialVersionUID = 1L;

    /** First byte of every message in Confluent's wire format. */
    public static final int MAGIC_BYTE = 0x00;
    /** Magic byte and schema id. */
    public static final int HEADER_LENGTH = 5;

    /**
     * Makes coders in each task; serializable with the job.
     *
     * @param settings the registry to use
     * @param topic topic written to, for the subject name; null for a coder that only reads
     * @param isKey whether the records are message keys ({@code <topic>-key} subjects)
     */
    public record Provider(RegistrySettings settings, String topic, boolean isKey)
            implements SchemaCoder.SchemaCoderProvider {
        @Override
        public ConfluentSchemaCoder get() {
            return new ConfluentSchemaCoder(this);
        }
    }

    private final Provider provider;
    /** Created on first use: flink-avro makes a coder when the job is defined, not only in the task. */
    private transient SchemaRegistryClient client;
    /** The schema last written and its id: a writer uses one schema, so most records skip the subject lookup. */
    private transient Schema lastWritten;
    private transient int lastId;

    private ConfluentSchemaCoder(Provider provider) {
        this.provider = provider;
    }

    @Override
    public Schema readSchema(InputStream in) throws IOException {
        int magic = in.read();
        if (magic == -1) {
            throw new MalformedRecordException("The message is empty: an avro-confluent message starts with the "
                    + "magic byte 0x00 and a 4-byte schema id.");
        }
        if (magic != MAGIC_BYTE) {
            throw new MalformedRecordException(String.format("The message starts with 0x%02X, not the magic byte "
                    + "0x00 of the avro-confluent format: it was written in another format (JSON, single-object "
                    + "Avro, plain Avro?) or is not a record of this topic.", magic));
        }
        int id;
        try {
            id = new DataInputStream(in).readInt();
        } catch (EOFException e) {
            throw new MalformedRecordException("The message is too short: an avro-confluent message has a 5-byte "
                    + "header (magic byte 0x00 and a 4-byte schema id) before the record.", e);
        }
        return client().schemaById(id);
    }

    @Override
    public void writeSchema(Schema schema, OutputStream out) throws IOException {
        if (schema != lastWritten) {
            lastId = writerSchemaId(schema);
            lastWritten = schema;
        }
        int id = lastId;
        out.write(MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
    }

    /** The registry id to put in front of records written with {@code schema}. */
    public int writerSchemaId(Schema schema) throws IOException {
        if (provider.topic() == null) {
            throw new IllegalStateException("This coder only reads: make it with a topic to write.");
        }
        RegistrySettings settings = provider.settings();
        String subject = settings.subjectNameStrategy().subject(provider.topic(), provider.isKey(), schema);
        if (!settings.useLatestVersion()) {
            return settings.autoRegister() ? client().register(subject, schema) : client().lookup(subject, schema);
        }
        SchemaRegistryClient.RegisteredSchema latest = client().latest(subject);
        // The record is encoded with its own schema, so the latest version must have the same binary layout.
        if (SchemaNormalization.parsingFingerprint64(latest.schema())
                != SchemaNormalization.parsingFingerprint64(schema)) {
            throw new SchemaRegistryException("With " + SerdeOptions.USE_LATEST_VERSION + "=true the latest "
                    + "version of subject '" + subject + "' (id " + latest.id() + ") must have the binary layout of "
                    + "the records written, " + schema.getFullName() + ", but it differs. Deploy the record classes "
                    + "of that version, or set " + SerdeOptions.USE_LATEST_VERSION + "=false.", 200, null);
        }
        return latest.id();
    }

    private SchemaRegistryClient client() {
        if (client == null) {
            client = new SchemaRegistryClient(provider.settings());
        }
        return client;
    }
}
