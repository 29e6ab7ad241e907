package dev.flinkalbert.jobs;

import dev.flinkalbert.avro.EntityResult;
import dev.flinkalbert.flink.AlbertTokenClassifier;
import dev.flinkalbert.inference.EntityAggregation;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.TokenClassificationSpec;

import java.util.List;
import java.util.Set;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./albert ner} and {@code flink run -c dev.flinkalbert.jobs.NerJob}: TextEvents in, EntityResults out (the
 * named entities of each event's text, with the token-classification pipeline's fields), with a
 * token-classification model; long texts are tagged in overlapping windows.
 */
@Command(name = "ner", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = OperatorOptions.Defaults.class,
        description = "Kafka → ALBERT named entities (token classification) → Kafka, exactly once, on a local"
                + " MiniCluster (or the cluster of 'flink run').")
public final class NerJob extends AlbertJob<EntityResult> {

    @Option(names = "--aggregation", paramLabel = "STRATEGY",
            description = "none (default: one entity per token), simple, first, average or max, as the pipeline's"
                    + " aggregation_strategy")
    String aggregation;

    @Option(names = "--stride", paramLabel = "TOKENS",
            description = "Pieces shared by the windows of a text longer than --max-length (default: "
                    + TokenClassificationSpec.DEFAULT_STRIDE + ")")
    Integer stride;

    @Option(names = "--ignore-labels", paramLabel = "LABEL", split = ",",
            description = "Labels never reported, token labels (B-MISC) or groups (MISC), comma-separated"
                    + " (default: O; give --ignore-labels= to report every label)")
    List<String> ignoreLabels;

    @Override
    ModelTask task() {
        return ModelTask.TOKEN_CLASSIFICATION;
    }

    @Override
    AlbertTokenClassifier operator(BuilderSettings settings) {
        AlbertTokenClassifier.Builder builder = settings.apply(AlbertTokenClassifier.builder());
        if (aggregation != null) {
            builder.aggregation(EntityAggregation.of(aggregation));
        }
        if (stride != null) {
            builder.stride(stride);
        }
        if (ignoreLabels != null) {
            builder.ignoreLabels(Set.copyOf(ignoreLabels.stream().filter(l -> !l.isBlank()).toList()));
        }
        return builder.build();
    }

    public static void main(String[] args) {
        System.exit(run(new NerJob(), args));
    }
}
