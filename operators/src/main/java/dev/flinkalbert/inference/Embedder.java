package dev.flinkalbert.inference;

import dev.flinkalbert.tokenizer.Encoding;
import dev.flinkalbert.tokenizer.Truncation;
import java.util.List;

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
public final class Embedder extends TokenizedPredictor<Embedding, Embedding> {

    /** Default pooling: the mean over the real tokens. */
    public static final Pooling DEFAULT_POOLING = Pooling.MEAN;

    private final EmbeddingHead head;
    private final int maxLength;

    private Embedder(Builder b, EmbeddingHead head) {
        super(b.model, head.outputs(), b.maxBatchSize, b.tokenBudget);
        this.head = head;
        this.maxLength = b.maxLength;
    }

    @Override
    List<Encoding> tokenize(TextInput input) {
        return List.of(input.textPair() == null ? tokenizer.encode(input.text(), maxLength)
                : tokenizer.encodePair(input.text(), input.textPair(), maxLength, Truncation.LONGEST_FIRST));
    }

    @Override
    Embedding read(EncoderOutputs outputs, int row) {
        return head.read(outputs, row);
    }

    @Override
    Embedding combine(TextInput input, List<Encoding> encodings, List<Embedding> read) {
        return read.get(0);
    }

    /** Builds an {@link Embedder}; made by {@link AlbertModel#embedder()}. */
    public static final class Builder extends PredictorBuilder<Builder, Embedder> {
        private Pooling pooling = DEFAULT_POOLING;
        private boolean normalize;
        private int maxLength;

        Builder(AlbertModel model) {
            super(model);
            this.maxLength = model.maxLength();
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

        /** Longest tokenized input, {@code [CLS]}/{@code [SEP]} included (default: max_position_embeddings). */
        public Builder maxLength(int tokens) {
            this.maxLength = tokens;
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
