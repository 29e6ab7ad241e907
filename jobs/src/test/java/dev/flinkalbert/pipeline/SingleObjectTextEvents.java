package dev.flinkalbert.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.flinkalbert.avro.TextEvent;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * TextEvents in Avro single-object encoding ({@code C3 01} + schema fingerprint + binary), with Avro's generated
 * decoder: unlike plain Avro binary it refuses a record of another schema. Stands in for the serde module's
 * formats in these tests.
 */
final class SingleObjectTextEvents implements DeserializationSchema<TextEvent> {

    @Override
    public TextEvent deserialize(byte[] message) throws IOException {
        return TextEvent.fromByteBuffer(ByteBuffer.wrap(message));
    }

    @Override
    public boolean isEndOfStream(TextEvent nextElement) {
        return false;
    }

    @Override
    public TypeInformation<TextEvent> getProducedType() {
        return TypeInformation.of(TextEvent.class);
    }
}
