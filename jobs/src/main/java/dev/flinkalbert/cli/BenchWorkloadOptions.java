package dev.flinkalbert.cli;

import picocli.CommandLine.Option;

/** The workload options that {@code bench inference} and {@code bench pipeline} share (a picocli mixin). */
final class BenchWorkloadOptions {

    @Option(names = "--intra-op-threads", defaultValue = "2", paramLabel = "N",
            description = "ONNX Runtime threads per call (default: ${DEFAULT-VALUE})")
    int intraOpThreads;

    @Option(names = "--lengths", defaultValue = "8-64", paramLabel = "MIN-MAX",
            description = "Token lengths of the texts, drawn uniformly (default: ${DEFAULT-VALUE})")
    String lengths;
}
