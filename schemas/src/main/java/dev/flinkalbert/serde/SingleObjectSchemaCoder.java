package dev.flinkalbert.serde;

import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.EmbeddingResult;
import dev.flinkalbert.avro.EntityResult;
import dev.flinkalbert.avro.LabelScore;
import dev.flinkalbert.avro.QaAnswer;
import dev.flinkalbert.avro.TextEvent;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.flink.annotation.Internal;
import org.apache.flink.formats.avro.SchemaCoder;

/**
 * Avro's single-object encoding: marker {@code C3 01}, the writer schema's CRC-64-AVRO fingerprint (of its
 * Parsing Canonical Form) as 8 bytes little-endian, then the Avro binary record. No registry: a reader resolves
 * the fingerprint among the writer schemas it knows (the project's own, and any {@link Provider#knownSchemas()}).
 */
@Internal
public final class SingleObjectSchemaCoder implements SchemaCoder, Serializable {
    private static final long serialVersionUID = 1L;

    /** First two bytes of every single-object encoded message. */
    public static final int MARKER_0 = 0xC3;
    public static final int MARKER_1 = 0x01;
    /** Marker and fingerprint. */
    public static final int HEADER_LENGTH = 10;

    /** The schemas of every record this project writes to Kafka, version 1. */
    public static final List<Schema> PROJECT_SCHEMAS = List.of(TextEvent.getClassSchema(),
            ClassificationResult.getClassSchema(), LabelScore.getClassSchema(), EmbeddingResult.getClassSchema(),
            QaAnswer.getClassSchema(), EntityResult.getClassSchema(), DeadLetter.getClassSchema());

    /**
     * Makes coders in each task; serializable with the job.
     *
     * @param knownSchemas JSON of writer schemas a reader knows besides {@link #PROJECT_SCHEMAS}
     */
    public record Provider(List<String> knownSchemas) implements SchemaCoder.SchemaCoderProvider {
        public Provider {
            knownSchemas = List.copyOf(knownSchemas);
        }

        @Override
        public SingleObjectSchemaCoder get() {
            Map<Long, Schema> byFingerprint = new LinkedHashMap<>();
            PROJECT_SCHEMAS.forEach(schema -> byFingerprint.put(fingerprint(schema), schema));
            for (String json : knownSchemas) {
                Schema schema = new Schema.Parser().parse(json);
                byFingerprint.put(fingerprint(schema), schema);
            }
            return new SingleObjectSchemaCoder(byFingerprint);
        }
    }

    /** Avro schemas are serializable; see {@link ConfluentSchemaCoder} for why the coder is. */
    private final Map<Long, Schema> schemasByFingerprint;
    /** The schema last written and its fingerprint: a writer uses one schema, and fingerprinting costs. */
    private transient Schema lastWritten;
    private long lastFingerprint;

    private SingleObjectSchemaCoder(Map<Long, Schema> schemasByFingerprint) {
        this.schemasByFingerprint = schemasByFingerprint;
    }

    /** CRC-64-AVRO of the schema's Parsing Canonical Form. */
    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    @Override
    public Schema readSchema(InputStream in) throws IOException {
        int first = in.read();
        int second = in.read();
        if (first == -1) {
            throw new MalformedRecordException("The message is empty: an avro-single-object message starts with "
                    + "C3 01 and an 8-byte schema fingerprint.");
        }
        if (first != MARKER_0 || second != MARKER_1) {
            throw new MalformedRecordException(String.format("The message starts with %02X %s, not the marker C3 01 "
                    + "of Avro single-object encoding: it was written in another format (Confluent Avro, JSON?).",
                    first, second == -1 ? "(end)" : String.format("%02X", second)));
        }
        byte[] fingerprint = new byte[8];
        try {
            new DataInputStream(in).readFully(fingerprint);
        } catch (EOFException e) {
            throw new MalformedRecordException("The message is too short: an avro-single-object message has a "
                    + "10-byte header (C3 01 and an 8-byte fingerprint) before the record.", e);
        }
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (fingerprint[i] & 0xFF);
        }
        Schema schema = schemasByFingerprint.get(value);
        if (schema == null) {
            throw new MalformedRecordException(String.format("The message was written with a schema of "
                    + "fingerprint %016X, which this reader does not know. It knows %s. Add the writer's schema "
                    + "to %s.", value, schemasByFingerprint.entrySet().stream()
                            .map(e -> String.format("%s (%016X)", e.getValue().getFullName(), e.getKey()))
                            .collect(Collectors.joining(", ")), SerdeOptions.KNOWN_SCHEMAS));
        }
        return schema;
    }

    @Override
    public void writeSchema(Schema schema, OutputStream out) throws IOException {
        out.write(MARKER_0);
        out.write(MARKER_1);
        if (schema != lastWritten) {
            lastFingerprint = fingerprint(schema);
            lastWritten = schema;
        }
        long value = lastFingerprint;
        for (int i = 0; i < 8; i++) {
            out.write((int) (value >>> (8 * i)));
        }
    }
}
