package dev.flinkalbert.cli;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * How {@code bench inference} and {@code bench sql} time their passes (a picocli mixin): ONNX Runtime threads per
 * call, texts per pass and timed passes per variant.
 */
final class BenchPassOptions {

    @Option(names = "--intra-op-threads", defaultValue = "" + BenchWorkloadOptions.DEFAULT_INTRA_OP_THREADS,
            paramLabel = "N", description = "ONNX Runtime threads per call (default: ${DEFAULT-VALUE})")
    int intraOpThreads;

    @Option(names = "--records", paramLabel = "N",
            description = "Texts per pass (default: enough for about " + BenchWorkloadOptions.AUTO_SECONDS
                    + " s of ONNX Runtime alone at the (largest) batch size per subtask, at least "
                    + InferenceBench.MIN_AUTO_RECORDS + ")")
    Integer records;

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "N",
            description = "Timed passes per variant; the median counts (default: ${DEFAULT-VALUE})")
    int repeats;

    /** A usage error unless every count is at least 1. */
    void check(CommandLine commandLine) {
        if (intraOpThreads < 1 || repeats < 1 || (records != null && records < 1)) {
            throw new ParameterException(commandLine, "--intra-op-threads, --records and --repeats must be >= 1");
        }
    }

    /**
     * {@code --records}, or as many as {@link BenchWorkloadOptions#autoRecords} times at {@code batchSize} for
     * {@code subtasks}.
     */
    int records(CommandLine commandLine, Path modelDirectory, BenchWorkloadOptions workload, int batchSize,
            int subtasks) throws Exception {
        return records != null ? records
                : workload.autoRecords(commandLine, modelDirectory, null, intraOpThreads, batchSize, subtasks);
    }
}
