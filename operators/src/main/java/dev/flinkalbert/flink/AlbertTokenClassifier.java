package dev.flinkalbert.flink;

import dev.flinkalbert.avro.EntityResult;
import dev.flinkalbert.avro.NamedEntity;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.inference.Entity;
import dev.flinkalbert.inference.EntityAggregation;
import dev.flinkalbert.inference.TextInput;
import dev.flinkalbert.inference.TokenClassification;
import dev.flinkalbert.inference.TokenClassificationSpec;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Tags named entities in the texts of a DataStream with an ALBERT token-classification model
 * ({@code AlbertForTokenClassification}), in micro-batches, as Hugging Face's
 * {@code pipeline("token-classification")} (alias {@code "ner"}) does: its aggregation strategies, its ignored
 * labels, its fields.
 *
 * <pre>{@code
 * DataStream<TextEvent> events = ...;
 * SingleOutputStreamOperator<EntityResult> entities = AlbertTokenClassifier.builder()
 *         .modelDirectory(Path.of("/models/conll03"))   // model.onnx ([batch, sequence, labels] logits), config.json, spiece.model
 *         .aggregation(EntityAggregation.SIMPLE)          // B-/I- runs grouped into entity_group (default NONE: per token)
 *         .stride(128)                                    // texts longer than maxLength: overlapping windows
 *         .build()
 *         .apply(events);
 * DataStream<DeadLetter> deadLetters = entities.getSideOutput(MicroBatching.DEAD_LETTERS);
 * }</pre>
 *
 * <p>An event's {@code text} is tagged; its result carries the event's id, attributes and event time, the model's id
 * and version, and the entities in text order ({@code entity} and {@code index} per token for
 * {@link EntityAggregation#NONE}, else {@code entity_group}; {@code start}/{@code end} are UTF-16 offsets into the
 * text). A text longer than the maximum length is tagged in overlapping windows, never cut. An event that cannot be
 * tagged (no text, a {@code text_pair}, a text the tokenizer refuses) goes to the dead-letter side output with its
 * Avro bytes and the reason; the job goes on.
 */
@PublicEvolving
public final class AlbertTokenClassifier extends AlbertTransform<TokenClassification, EntityResult> {

    private static final long serialVersionUID = 1L;

    /** The operator's default name. */
    public static final String DEFAULT_NAME = "albert-ner";

    private AlbertTokenClassifier(Builder b) {
        super(b, b.spec);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Class<EntityResult> resultClass() {
        return EntityResult.class;
    }

    /** One {@link EntityResult} per event; failures on {@link MicroBatching#DEAD_LETTERS}. */
    @Override
    public SingleOutputStreamOperator<EntityResult> apply(DataStream<TextEvent> events) {
        String modelId = modelId();
        String modelVersion = modelVersion();
        // the pair is passed on so that the engine refuses it (a dead letter) rather than it being dropped unseen
        return apply(events, event -> new TextInput(event.getText(), event.getTextPair()),
                (event, tagged) -> result(event, tagged, modelId, modelVersion),
                new AvroTypeInfo<>(EntityResult.class), TextEvents.DEAD_LETTER_FIELDS);
    }

    private static EntityResult result(TextEvent event, TokenClassification tagged, String modelId,
            String modelVersion) {
        List<NamedEntity> entities = new ArrayList<>(tagged.entities().size());
        for (Entity e : tagged.entities()) {
            entities.add(namedEntity(e));
        }
        return EntityResult.newBuilder()
                .setId(event.getId())
                .setEntities(entities)
                .setModelId(modelId)
                .setModelVersion(modelVersion)
                .setAttributes(TextEvents.attributes(event))
                .setEventTime(event.getEventTime())
                .build();
    }

    /** The engine's entity as the Avro record writes it: the pipeline's field names, the other kind's fields null. */
    static NamedEntity namedEntity(Entity e) {
        return NamedEntity.newBuilder()
                .setEntityGroup(e.grouped() ? e.label() : null)
                .setEntity(e.grouped() ? null : e.label())
                .setScore(e.score())
                .setWord(e.word())
                .setStart(e.start())
                .setEnd(e.end())
                .setIndex(e.grouped() ? null : e.index())
                .build();
    }

    /**
     * Settings of an {@link AlbertTokenClassifier}; required: {@link #modelDirectory}. Options:
     * {@link TokenClassificationSpec}; {@link #maxLength} is the window (default: the model's
     * max_position_embeddings).
     */
    public static final class Builder extends AlbertTransform.Builder<Builder, AlbertTokenClassifier> {
        private TokenClassificationSpec spec = TokenClassificationSpec.DEFAULTS;

        private Builder() {
            super(DEFAULT_NAME);
        }

        /** The head's options, all at once. */
        public Builder spec(TokenClassificationSpec spec) {
            this.spec = Objects.requireNonNull(spec, "spec");
            return this;
        }

        /** How tokens become entities: {@link TokenClassificationSpec#aggregation()}. */
        public Builder aggregation(EntityAggregation aggregation) {
            return spec(spec.withAggregation(aggregation));
        }

        /** Labels never reported: {@link TokenClassificationSpec#ignoreLabels()}. */
        public Builder ignoreLabels(Set<String> labels) {
            return spec(spec.withIgnoreLabels(labels));
        }

        /** Pieces shared by the windows of a long text: {@link TokenClassificationSpec#stride()}. */
        public Builder stride(int pieces) {
            return spec(spec.withStride(pieces));
        }

        @Override
        public AlbertTokenClassifier build() {
            return new AlbertTokenClassifier(this);
        }
    }
}
