package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;


/**
 * Sentence embeddings from a base (feature-extraction) model: {@link Pooling#POOLER}, {@link Pooling#CLS} or
 * {@link Pooling#MEAN} over the attention mask, optionally L2-normalised.
 *
 * <pre>{@code
 * try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
 *         Embedder embedder = model.embedder().pooling(Pooling.MEAN).normalize(true).build()) {
 *     float[] vector = embedder.predict(List.of(TextInput.of("great film"))).get(0).value().vector();
 * }
 * }</pre>
 */
@PublicEvolving
public final class Embedder extends SingleSequencePredictor<Embedding> {

    private final EmbeddingHead head;

    Embedder(AlbertModel model, EmbeddingHead head, PredictorLimits limits, int maxLength) {
        super(model, head.outputs(), limits, maxLength);
        this.head = head;
    }

    @Override
    Embedding read(EncoderOutputs outputs, int row) {
        return head.read(outputs, row);
    }

    /** Builds an {@link Embedder}; made by {@link AlbertModel#embedder()}. Options: {@link EmbeddingSpec}. */
    public static final class Builder extends PredictorBuilder<Builder, Embedder, EmbeddingSpec> {

        Builder(AlbertModel model) {
            super(model, EmbeddingSpec.DEFAULTS);
        }

        /** See {@link EmbeddingSpec#pooling()}. */
        public Builder pooling(Pooling pooling) {
            return spec(spec.withPooling(pooling));
        }

        /** See {@link EmbeddingSpec#normalize()}. */
        public Builder normalize(boolean normalize) {
            return spec(spec.withNormalize(normalize));
        }

        @Override
        public Embedder build() {
            return spec.predictor(model, limits);
        }
    }
}
