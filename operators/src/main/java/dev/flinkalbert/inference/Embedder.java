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

    /** Default pooling: the mean over the real tokens. */
    public static final Pooling DEFAULT_POOLING = Pooling.MEAN;

    private final EmbeddingHead head;

    private Embedder(Builder b, EmbeddingHead head) {
        super(b, head.outputs());
        this.head = head;
    }

    @Override
    Embedding read(EncoderOutputs outputs, int row) {
        return head.read(outputs, row);
    }

    /** Builds an {@link Embedder}; made by {@link AlbertModel#embedder()}. */
    public static final class Builder extends SingleSequencePredictor.Builder<Builder, Embedder> {
        private Pooling pooling = DEFAULT_POOLING;
        private boolean normalize;

        Builder(AlbertModel model) {
            super(model);
        }

        /** How the vector is taken (default {@link Pooling#MEAN}). */
        public Builder pooling(Pooling pooling) {
            this.pooling = java.util.Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        /** Whether vectors are scaled to unit L2 norm (default false). */
        public Builder normalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        @Override
        public Embedder build() {
            requireTask(ModelTask.EMBEDDINGS, "an embedder");
            checkMaxLength(maxLength, "maxLength");
            EmbeddingHead head = new EmbeddingHead(pooling, normalize);
            if (!model.outputNames().containsAll(head.outputs())) {
                throw new IllegalStateException("Pooling." + pooling + " needs output " + head.outputs() + " but "
                        + model.directory() + " has only " + model.outputNames() + ": use Pooling.MEAN or CLS");
            }
            return new Embedder(this, head);
        }
    }
}
