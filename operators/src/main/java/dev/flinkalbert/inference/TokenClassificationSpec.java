package dev.flinkalbert.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Token classification ({@link ModelTask#TOKEN_CLASSIFICATION}, named entities), with the defaults of Hugging Face's
 * {@code pipeline("token-classification")}. A text longer than the maximum length (default: the model's
 * max_position_embeddings) is tagged in overlapping windows of that many tokens, never cut.
 *
 * @param aggregation how tokens become entities (default {@link #DEFAULT_AGGREGATION}, the pipeline's {@code none})
 * @param ignoreLabels labels never reported, compared with the token label ({@code B-PER}) or its group ({@code PER})
 *     (default {@link #DEFAULT_IGNORE_LABELS}, the pipeline's {@code ["O"]})
 * @param stride pieces shared by consecutive windows of a long text (default {@value #DEFAULT_STRIDE}); below
 *     {@code maxLength - 2}, the pieces of one window
 */
@PublicEvolving
public record TokenClassificationSpec(EntityAggregation aggregation, Set<String> ignoreLabels, int stride)
        implements TaskSpec<TokenClassification> {

    /** The pipeline's default {@code aggregation_strategy}. */
    public static final EntityAggregation DEFAULT_AGGREGATION = EntityAggregation.NONE;
    /** The pipeline's default {@code ignore_labels}. */
    public static final Set<String> DEFAULT_IGNORE_LABELS = Set.of("O");
    /** Pieces shared by consecutive windows of a long text (the pipeline's {@code stride}, which has no default). */
    public static final int DEFAULT_STRIDE = 128;

    /** Every option at its default. */
    public static final TokenClassificationSpec DEFAULTS =
            new TokenClassificationSpec(DEFAULT_AGGREGATION, DEFAULT_IGNORE_LABELS, DEFAULT_STRIDE);

    public TokenClassificationSpec {
        Objects.requireNonNull(aggregation, "aggregation");
        ignoreLabels = Set.copyOf(Objects.requireNonNull(ignoreLabels, "ignoreLabels"));
    }

    public TokenClassificationSpec withAggregation(EntityAggregation aggregation) {
        return new TokenClassificationSpec(aggregation, ignoreLabels, stride);
    }

    public TokenClassificationSpec withIgnoreLabels(Set<String> labels) {
        return new TokenClassificationSpec(aggregation, labels, stride);
    }

    public TokenClassificationSpec withStride(int pieces) {
        return new TokenClassificationSpec(aggregation, ignoreLabels, pieces);
    }

    @Override
    public ModelTask task() {
        return ModelTask.TOKEN_CLASSIFICATION;
    }

    @Override
    public void check(List<String> problems) {
        if (stride < 0) {
            problems.add("stride must be at least 0, got " + stride);
        }
    }

    @Override
    public TokenClassifier predictor(AlbertModel model, PredictorLimits limits) {
        TaskSpec.requireTask(model, task(), "a token classifier");
        List<String> problems = new ArrayList<>();
        check(problems);
        limits.check(problems);
        int maxLength = limits.maxLength(model, model.maxLength(), problems);
        if (stride >= 0 && stride >= maxLength - 2) {
            problems.add("stride must be between 0 and maxLength - 3 = " + (maxLength - 3)
                    + " (a window holds maxLength - 2 pieces), got " + stride);
        }
        Set<String> unknown = new TreeSet<>();
        for (String label : ignoreLabels) {
            // a token label (B-PER), or a group (PER) as grouped entities are named
            if (model.labels().stream().noneMatch(l -> l.equals(label)
                    || l.substring(l.indexOf('-') + 1).equals(label))) {
                unknown.add(label);
            }
        }
        if (!unknown.isEmpty()) {
            problems.add("ignoreLabels " + unknown + " name no label of the model " + model.labels()
                    + ": give labels (B-PER) or groups (PER) of id2label");
        }
        TaskSpec.throwIfAny(problems);
        TokenClassificationHead head = new TokenClassificationHead(model.labels(), aggregation, ignoreLabels,
                model.tokenizer()::piece, model.tokenizer().unkId());
        return new TokenClassifier(model, head, stride, limits, maxLength);
    }

    /** Windows: a text is never truncated, so its cost is not capped. */
    @Override
    public long costCap(AlbertModel model, PredictorLimits limits) {
        return Long.MAX_VALUE;
    }
}
