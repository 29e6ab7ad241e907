package dev.flinkalbert.flink;

import dev.flinkalbert.avro.TextEvent;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** What the ALBERT operators read from and copy out of a {@link TextEvent}. */
final class TextEvents {

    static final TypeInformation<TextEvent> TYPE = new AvroTypeInfo<>(TextEvent.class);

    /**
     * Dead letters of an event: the event as Avro binary ({@link TextEvent#getClassSchema()}), its id, and the id as
     * the Kafka key, so that the dead letter lands beside the event's results.
     */
    static final DeadLetterFields<TextEvent> DEAD_LETTER_FIELDS = (event, builder) -> {
        builder.setOriginal(ByteBuffer.wrap(avroBytes(event))).setId(event.getId());
        if (event.getId() != null) {
            builder.setOriginalKey(ByteBuffer.wrap(event.getId().getBytes(StandardCharsets.UTF_8)));
        }
    };

    private TextEvents() {}

    static byte[] avroBytes(TextEvent event) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        try {
            new SpecificDatumWriter<>(TextEvent.class).write(event, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The event's attributes as a map the result owns. */
    static Map<String, String> attributes(TextEvent event) {
        return event.getAttributes() == null ? new HashMap<>() : new HashMap<>(event.getAttributes());
    }
}
