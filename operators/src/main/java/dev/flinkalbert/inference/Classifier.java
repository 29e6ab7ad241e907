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

    private final ClassificationHead head;

    /** The head is made before the lease is taken (in {@code super}): nothing after the lease throws. */
    Classifier(AlbertModel model, ClassificationHead head, PredictorLimits limits, int maxLength) {
        super(model, Set.of(ModelContract.LOGITS), limits, maxLength);
        this.head = head;
    }

    @Override
    ClassificationPrediction read(EncoderOutputs outputs, int row) {
        return head.predict(outputs.vector(ModelContract.LOGITS, row));
    }

    /** Builds a {@link Classifier}; made by {@link AlbertModel#classifier()}. Options: {@link ClassificationSpec}. */
    public static final class Builder extends PredictorBuilder<Builder, Classifier, ClassificationSpec> {

        Builder(AlbertModel model) {
            super(model, ClassificationSpec.DEFAULTS);
        }

        /** See {@link ClassificationSpec#topK()}. */
        public Builder topK(int k) {
            return spec(spec.withTopK(k));
        }

        @Override
        public Classifier build() {
            return spec.predictor(model, limits);
        }
    }
}
