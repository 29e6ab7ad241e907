package dev.flinkalbert.flink;

import dev.flinkalbert.avro.TextEvent;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

import java.util.HashMap;
import java.util.Map;

/** What the ALBERT operators read from and copy out of a {@link TextEvent}. */
final class TextEvents {

    static final TypeInformation<TextEvent> TYPE = new AvroTypeInfo<>(TextEvent.class);

    /** Dead letters of an event: see {@link DeadLetterBuilder#event(TextEvent)}. */
    static final DeadLetterFields<TextEvent> DEAD_LETTER_FIELDS = DeadLetterBuilder::describeEvent;

    private TextEvents() {}

    /** The event's attributes as a map the result owns. */
    static Map<String, String> attributes(TextEvent event) {
        return event.getAttributes() == null ? new HashMap<>() : new HashMap<>(event.getAttributes());
    }
}
