package dev.flinkalbert.flink;

import dev.flinkalbert.avro.EmbeddingResult;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.inference.Embedding;
import dev.flinkalbert.inference.EmbeddingSpec;
import dev.flinkalbert.inference.Pooling;
import dev.flinkalbert.inference.TextInput;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Sentence embeddings of texts in a DataStream from an ALBERT base model, in micro-batches.
 *
 * <pre>{@code
 * DataStream<TextEvent> events = ...;
 * SingleOutputStreamOperator<EmbeddingResult> embeddings = AlbertEmbedder.builder()
 *         .modelDirectory(Path.of("/models/albert-base"))  // model.onnx, config.json, spiece.model
 *         .pooling(Pooling.MEAN)                          // or POOLER, CLS
 *         .normalize(true)                                // unit L2 norm, for cosine similarity
 *         .maxBatchSize(32)
 *         .sharedPerTaskManager("embeddings")             // one batcher for all subtasks of a TaskManager
 *         .build()
 *         .apply(events);
 * DataStream<DeadLetter> deadLetters = embeddings.getSideOutput(MicroBatching.DEAD_LETTERS);
 * }</pre>
 *
 * <p>An event's {@code text} (and {@code text_pair}, if any) is embedded; its result carries the event's id,
 * attributes and event time, the pooling, and the model's id and version. An event that cannot be embedded goes to
 * the dead-letter side output with its Avro bytes; the job goes on.
 */
@PublicEvolving
public final class AlbertEmbedder extends AlbertTransform<Embedding, EmbeddingResult> {

    private static final long serialVersionUID = 1L;

    /** The operator's default name. */
    public static final String DEFAULT_NAME = "albert-embed";

    private final EmbeddingSpec spec;

    private AlbertEmbedder(Builder b) {
        super(b, b.spec);
        this.spec = b.spec;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Class<EmbeddingResult> resultClass() {
        return EmbeddingResult.class;
    }

    /** One {@link EmbeddingResult} per event; failures on {@link MicroBatching#DEAD_LETTERS}. */
    @Override
    public SingleOutputStreamOperator<EmbeddingResult> apply(DataStream<TextEvent> events) {
        String modelId = modelId();
        String modelVersion = modelVersion();
        dev.flinkalbert.avro.Pooling avroPooling = dev.flinkalbert.avro.Pooling.valueOf(spec.pooling().name());
        boolean normalized = spec.normalize();
        return apply(events, event -> new TextInput(event.getText(), event.getTextPair()),
                (event, embedding) -> EmbeddingResult.newBuilder()
                        .setId(event.getId())
                        .setEmbedding(boxed(embedding.vector()))
                        .setPooling(avroPooling)
                        .setNormalized(normalized)
                        .setModelId(modelId)
                        .setModelVersion(modelVersion)
                        .setAttributes(TextEvents.attributes(event))
                        .setEventTime(event.getEventTime())
                        .build(),
                new AvroTypeInfo<>(EmbeddingResult.class), TextEvents.DEAD_LETTER_FIELDS);
    }

    private static List<Float> boxed(float[] vector) {
        List<Float> list = new ArrayList<>(vector.length);
        for (float v : vector) {
            list.add(v);
        }
        return list;
    }

    /** Settings of an {@link AlbertEmbedder}; required: {@link #modelDirectory}. Options: {@link EmbeddingSpec}. */
    public static final class Builder extends AlbertTransform.Builder<Builder, AlbertEmbedder> {
        private EmbeddingSpec spec = EmbeddingSpec.DEFAULTS;

        private Builder() {
            super(DEFAULT_NAME);
        }

        /** The head's options, all at once. */
        public Builder spec(EmbeddingSpec spec) {
            this.spec = Objects.requireNonNull(spec, "spec");
            return this;
        }

        /** How the vector is taken: {@link EmbeddingSpec#pooling()}. */
        public Builder pooling(Pooling pooling) {
            return spec(spec.withPooling(pooling));
        }

        /** Scale vectors to unit L2 norm: {@link EmbeddingSpec#normalize()}. */
        public Builder normalize(boolean normalize) {
            return spec(spec.withNormalize(normalize));
        }

        @Override
        public AlbertEmbedder build() {
            return new AlbertEmbedder(this);
        }
    }
}
