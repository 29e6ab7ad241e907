package dev.flinkalbert.model.cli;

import dev.flinkalbert.model.classification.DataSplits;
import dev.flinkalbert.model.classification.LabeledText;
import dev.flinkalbert.model.datasets.DatasetRegistry;
import dev.flinkalbert.model.datasets.PublicDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Where labelled examples come from: a file, or a public data set with a fixed held-out test split. */
final class DataOptions {

    @Option(names = "--dataset", paramLabel = "NAME",
            description = "A public labelled data set instead of --train: uci-sentiment.")
    String dataset;

    @Option(names = "--test-split", paramLabel = "FRACTION", defaultValue = "0.2",
            description = "With --dataset: the share held out for testing (fixed by --split-seed). Default: ${DEFAULT-VALUE}.")
    double testSplit;

    @Option(names = "--split-seed", defaultValue = "0",
            description = "Seed of the test split, kept apart from --seed so the test set never moves. Default: ${DEFAULT-VALUE}.")
    long splitSeed;

    @Option(names = "--dataset-cache", paramLabel = "DIR",
            description = "Where data set tarballs are cached. Default: ~/.cache/flink-albert/datasets.")
    Path cache;

    DatasetRegistry registry() {
        DatasetRegistry.Builder b = DatasetRegistry.builder();
        if (cache != null) {
            b.cacheDirectory(cache);
        }
        return b.build();
    }

    /** The data set's (train+validation, test) split. */
    DataSplits.Split<LabeledText> datasetSplit() throws IOException {
        PublicDataset d = PublicDataset.fromCliName(dataset);
        List<LabeledText> all = registry().labeledSentences(d);
        System.err.println("data set " + d.cliName() + " (" + d.npmPackage() + "@" + d.version() + "): " + all.size()
                + " examples. Licence: " + d.licence());
        return DataSplits.split(all, testSplit, splitSeed);
    }
}
