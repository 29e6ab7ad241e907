package dev.flinkalbert.serde;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.annotation.Internal;
import org.apache.flink.formats.avro.RegistryAvroDeserializationSchema;
import org.apache.flink.formats.avro.SchemaCoder;

/**
 * Reads Avro records behind a {@link SchemaCoder} header ({@link ConfluentSchemaCoder},
 * {@link SingleObjectSchemaCoder}), resolving the writer schema the header names to the reader schema.
 *
 * <p>A {@link RegistryAvroDeserializationSchema} (same type information, same coders) whose
 * {@link #deserialize(byte[])} decodes each message on its own: the parent keeps one buffering decoder across
 * messages, so bytes left unread by a malformed message would be read as the start of the next one, and it
 * allocates whatever length a corrupt record claims. Every failure here is an {@link IOException} naming the
 * cause: {@link MalformedRecordException} for the message, {@link SchemaRegistryException} for the registry.
 *
 * @param <T> a generated record class, or {@link GenericRecord}
 */
@Internal
public class AvroRecordDeserializationSchema<T> extends RegistryAvroDeserializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> recordClass;
    private final String readerSchemaJson;
    private final SchemaCoder.SchemaCoderProvider coderProvider;

    private transient SchemaCoder coder;
    private transient Schema readerSchema;
    private transient GenericData model;
    /** Readers by writer schema; a writer schema the reader cannot resolve maps to its reason. */
    private transient Map<Schema, Object> readers;

    /**
     * @param recordClass a generated record class, or {@link GenericRecord}
     * @param readerSchema null for a generated class (its own schema); required for {@link GenericRecord}
     * @param coderProvider reads the writer schema from each message's header
     */
    public AvroRecordDeserializationSchema(Class<T> recordClass, Schema readerSchema,
            SchemaCoder.SchemaCoderProvider coderProvider) {
        super(recordClass, readerSchema, coderProvider);
        this.recordClass = recordClass;
        this.readerSchemaJson = readerSchema == null ? null : readerSchema.toString();
        this.coderProvider = coderProvider;
    }

    @Override
    public T deserialize(byte[] message) throws IOException {
        if (message == null) {
            throw new MalformedRecordException("The message has no value (null, a tombstone): there is no record "
                    + "to read.");
        }
        initialize();
        ByteArrayInputStream in = new ByteArrayInputStream(message);
        Schema writerSchema = coder.readSchema(in);
        DatumReader<T> reader = readerFor(writerSchema);
        T record;
        try {
            record = reader.read(null, new BoundedDecoder(in));
        } catch (MalformedRecordException e) {
            throw e;
        } catch (EOFException e) {
            throw new MalformedRecordException("The message (" + message.length + " bytes) ends inside the "
                    + writerSchema.getFullName() + " record its header announces: it is truncated.", e);
        } catch (IOException | RuntimeException e) {
            throw new MalformedRecordException("The message is not a valid " + writerSchema.getFullName()
                    + " record as its header announces: " + e, e);
        }
        if (in.available() > 0) {
            throw new MalformedRecordException(in.available() + " bytes follow the " + writerSchema.getFullName()
                    + " record: the message was not written with the schema its header announces.");
        }
        return record;
    }

    @SuppressWarnings("unchecked")
    private DatumReader<T> readerFor(Schema writerSchema) throws MalformedRecordException {
        Object reader = readers.computeIfAbsent(writerSchema, writer -> {
            SchemaCompatibility.SchemaPairCompatibility compatibility =
                    SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
            if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                return "The message was written with schema " + writer.getFullName() + " that this reader ("
                        + readerSchema.getFullName() + ") cannot read: " + compatibility.getDescription();
            }
            return model.createDatumReader(writer, readerSchema);
        });
        if (reader instanceof String reason) {
            throw new MalformedRecordException(reason);
        }
        return (DatumReader<T>) reader;
    }

    private void initialize() {
        if (coder != null) {
            return;
        }
        boolean generic = GenericRecord.class.equals(recordClass);
        model = generic ? GenericData.get() : SpecificData.getForClass(recordClass);
        readerSchema = generic ? new Schema.Parser().parse(readerSchemaJson)
                : ((SpecificData) model).getSchema(recordClass);
        readers = new HashMap<>();
        coder = coderProvider.get();
    }
}
