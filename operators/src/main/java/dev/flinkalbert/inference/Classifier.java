package dev.flinkalbert.inference;

import dev.flinkalbert.tokenizer.Encoding;
import dev.flinkalbert.tokenizer.Truncation;
import java.util.List;
import java.util.Set;

/**
 * Sequence classification: labels and scores for texts or text pairs, as Hugging Face's text-classification
 * pipeline computes them (softmax, or sigmoid for {@code multi_label_classification}); pairs are truncated longest
 * first.
 *
 * <pre>{@code
 * try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
 *         Classifier classifier = model.classifier().topK(3).build()) {
 *     List<Outcome<ClassificationPrediction>> out = classifier.predict(List.of(TextInput.of("great film")));
 * }
 * }</pre>
 */
public final class Classifier extends TokenizedPredictor<ClassificationPrediction, ClassificationPrediction> {

    /** Default number of best classes listed in {@link ClassificationPrediction#top()}. */
    public static final int DEFAULT_TOP_K = 1;

    private final ClassificationHead head;
    private final int maxLength;

    private Classifier(Builder b) {
        super(b.model, Set.of(ModelContract.LOGITS), b.maxBatchSize, b.tokenBudget);
        this.head = new ClassificationHead(b.model.labels(), b.model.multiLabel(), b.topK);
        this.maxLength = b.maxLength;
    }

    @Override
    List<Encoding> tokenize(TextInput input) {
        return List.of(input.textPair() == null ? tokenizer.encode(input.text(), maxLength)
                : tokenizer.encodePair(input.text(), input.textPair(), maxLength, Truncation.LONGEST_FIRST));
    }

    @Override
    ClassificationPrediction read(EncoderOutputs outputs, int row) {
        return head.predict(outputs.vector(ModelContract.LOGITS, row));
    }

    @Override
    ClassificationPrediction combine(TextInput input, List<Encoding> encodings, List<ClassificationPrediction> read) {
        return read.get(0);
    }

    /** Builds a {@link Classifier}; made by {@link AlbertModel#classifier()}. */
    public static final class Builder extends PredictorBuilder<Builder, Classifier> {
        private int topK = DEFAULT_TOP_K;
        private int maxLength;

        Builder(AlbertModel model) {
            super(model);
            this.maxLength = model.maxLength();
        }

        /** How many best classes {@link ClassificationPrediction#top()} lists (default 1; capped at the classes). */
        public Builder topK(int k) {
            this.topK = k;
            return this;
        }

        /** Longest tokenized input, {@code [CLS]}/{@code [SEP]} included (default: max_position_embeddings). */
        public Builder maxLength(int tokens) {
            this.maxLength = tokens;
            return this;
        }

        @Override
        public Classifier build() {
            requireTask(ModelTask.CLASSIFICATION, "a classifier");
            checkMaxLength(maxLength, "maxLength");
            if (topK < 1) {
                throw new IllegalArgumentException("topK must be at least 1, got " + topK);
            }
            return new Classifier(this);
        }
    }
}
