package dev.flinkalbert.jobs;

import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.flink.AlbertClassifier;
import dev.flinkalbert.inference.ModelTask;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./albert classify} and {@code flink run -c dev.flinkalbert.jobs.ClassifyJob}: TextEvents in,
 * ClassificationResults out (label, score, the best labels' scores), with a sequence-classification model.
 */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = OperatorOptions.Defaults.class,
        description = "Kafka → ALBERT text classification → Kafka, exactly once, on a local MiniCluster"
                + " (or the cluster of 'flink run').")
public final class ClassifyJob extends AlbertJob<ClassificationResult> {

    @Option(names = "--top-k", paramLabel = "K", description = "Labels listed in scores (default: all)")
    Integer topK;

    @Override
    ModelTask task() {
        return ModelTask.CLASSIFICATION;
    }

    @Override
    AlbertClassifier operator(BuilderSettings settings) {
        AlbertClassifier.Builder builder = settings.apply(AlbertClassifier.builder());
        if (topK != null) {
            builder.topK(topK);
        }
        return builder.build();
    }

    public static void main(String[] args) {
        System.exit(run(new ClassifyJob(), args));
    }
}
