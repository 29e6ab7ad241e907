package dev.flinkalbert.jobs;

import dev.flinkalbert.avro.EmbeddingResult;
import dev.flinkalbert.flink.AlbertEmbedder;
import dev.flinkalbert.inference.EmbeddingSpec;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.Pooling;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./albert embed} and {@code flink run -c dev.flinkalbert.jobs.EmbedJob}: TextEvents in, EmbeddingResults out,
 * with a base (feature-extraction) model.
 */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = OperatorOptions.Defaults.class,
        description = "Kafka → ALBERT sentence embeddings → Kafka, exactly once, on a local MiniCluster"
                + " (or the cluster of 'flink run').")
public final class EmbedJob extends AlbertJob<EmbeddingResult> {

    @Option(names = "--pooling", paramLabel = "POOLING",
            description = "mean (default), cls or pooler")
    Pooling pooling = EmbeddingSpec.DEFAULT_POOLING;

    @Option(names = "--normalize", description = "Scale vectors to unit L2 norm")
    boolean normalize;

    @Override
    ModelTask task() {
        return ModelTask.EMBEDDINGS;
    }

    @Override
    AlbertEmbedder operator(BuilderSettings settings) {
        return settings.apply(AlbertEmbedder.builder()).pooling(pooling).normalize(normalize).build();
    }

    public static void main(String[] args) {
        System.exit(run(new EmbedJob(), args));
    }
}
