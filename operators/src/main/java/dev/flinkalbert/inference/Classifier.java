package dev.flinkalbert.inference;

import java.util.Set;
import org.apache.flink.annotation.PublicEvolving;

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
@PublicEvolving
public final class Classifier extends SingleSequencePredictor<ClassificationPrediction> {

    /** Default number of best classes listed in {@link ClassificationPrediction#top()}. */
    public static final int DEFAULT_TOP_K = 1;

    private final ClassificationHead head;

    private Classifier(Builder b, ClassificationHead head) {
        super(b, Set.of(ModelContract.LOGITS)); // the lease comes last: nothing after it throws
        this.head = head;
    }

    @Override
    ClassificationPrediction read(EncoderOutputs outputs, int row) {
        return head.predict(outputs.vector(ModelContract.LOGITS, row));
    }

    /** Builds a {@link Classifier}; made by {@link AlbertModel#classifier()}. */
    public static final class Builder extends SingleSequencePredictor.Builder<Builder, Classifier> {
        private int topK = DEFAULT_TOP_K;

        Builder(AlbertModel model) {
            super(model);
        }

        /** How many best classes {@link ClassificationPrediction#top()} lists (default 1; capped at the classes). */
        public Builder topK(int k) {
            this.topK = k;
            return this;
        }

        @Override
        public Classifier build() {
            requireTask(ModelTask.CLASSIFICATION, "a classifier");
            checkMaxLength(maxLength, "maxLength");
            if (topK < 1) {
                throw new IllegalArgumentException("topK must be at least 1, got " + topK);
            }
            return new Classifier(this, new ClassificationHead(model.labels(), model.multiLabel(), topK));
        }
    }
}
