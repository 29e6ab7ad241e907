package dev.flinkalbert.serde;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.formats.avro.RegistryAvroSerializationSchema;
import org.apache.flink.formats.avro.SchemaCoder;
import org.apache.flink.util.WrappingRuntimeException;

/**
 * Writes Avro records behind a {@link SchemaCoder} header ({@link ConfluentSchemaCoder},
 * {@link SingleObjectSchemaCoder}).
 *
 * <p>A {@link RegistryAvroSerializationSchema} that resolves the schema id in {@link #open} (so an unreachable
 * registry or an unregistered schema fails the job at start, with the registry's message) and rethrows failures as
 * an {@link UncheckedIOException} carrying that message rather than the parent's generic wrapper.
 *
 * @param <T> a generated record class, or {@link GenericRecord}
 */
@Internal
public class AvroRecordSerializationSchema<T> extends RegistryAvroSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    /**
     * @param recordClass a generated record class, or {@link GenericRecord}
     * @param writerSchema null for a generated class (its own schema); required for {@link GenericRecord}
     * @param coderProvider writes the header naming the writer schema
     */
    public AvroRecordSerializationSchema(Class<T> recordClass, Schema writerSchema,
            SchemaCoder.SchemaCoderProvider coderProvider) {
        super(recordClass, writerSchema, coderProvider);
    }

    @Override
    public void open(InitializationContext context) throws Exception {
        super.open(context);
        checkAvroInitialized();
        schemaCoder.writeSchema(getSchema(), OutputStream.nullOutputStream());
    }

    @Override
    public byte[] serialize(T record) {
        try {
            return super.serialize(record);
        } catch (WrappingRuntimeException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io.getMessage(), io);
            }
            throw e;
        }
    }
}
