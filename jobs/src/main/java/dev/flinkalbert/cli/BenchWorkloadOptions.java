package dev.flinkalbert.cli;

import dev.flinkalbert.inference.ModelTask;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The workload options that {@code bench inference} and {@code bench pipeline} share (a picocli mixin). */
final class BenchWorkloadOptions {

    /** Seconds of ONNX Runtime alone that an automatic {@code --records} aims a pass at. */
    static final int AUTO_SECONDS = 3;
    /**
     * The operator flushes this many batches at once by default: sorted by length within a flush of 16 batches, texts
     * of 8-64 tokens pad by a few per cent; with flushes of 2-4 batches the tiny model lost 10-30% of its throughput
     * to padding (against ONNX Runtime alone on the same rows sorted all together).
     */
    static final int DEFAULT_FLUSH_BATCHES = 16;

    /** The benches' ONNX Runtime threads per call (two: the machine the figures come from has two cores). */
    static final int DEFAULT_INTRA_OP_THREADS = 2;

    @Option(names = "--lengths", defaultValue = "8-64", paramLabel = "MIN-MAX",
            description = "Token lengths of the texts, drawn uniformly (default: ${DEFAULT-VALUE})")
    String lengths;

    /**
     * Texts for about {@value #AUTO_SECONDS} s per pass of ONNX Runtime alone at {@code batchSize}, timed on a sample
     * of {@value InferenceBench#MIN_AUTO_RECORDS} texts.
     */
    int autoRecords(CommandLine commandLine, Path modelDirectory, ModelTask task, int intraOpThreads, int batchSize)
            throws Exception {
        return autoRecords(commandLine, modelDirectory, task, intraOpThreads, batchSize, 1);
    }

    /**
     * As {@link #autoRecords(CommandLine, Path, ModelTask, int, int)}, times {@code subtasks}: a pass at that
     * parallelism then gives each subtask about as many texts as one subtask gets alone, so that the subtasks'
     * start and finish, which do not overlap exactly, weigh no more in its time than in the single subtask's (with
     * one subtask's worth split over two, the tiny model's scaling read 1.68; with twice that, 1.86).
     */
    int autoRecords(CommandLine commandLine, Path modelDirectory, ModelTask task, int intraOpThreads, int batchSize,
            int subtasks) throws Exception {
        List<String> sample = BenchTexts.forModel(commandLine, modelDirectory, task, lengths,
                InferenceBench.MIN_AUTO_RECORDS);
        int records = InferenceBench.autoRecords(modelDirectory, intraOpThreads, sample, batchSize, AUTO_SECONDS);
        if (subtasks > 1) {
            records = (int) Math.min(Integer.MAX_VALUE, (long) records * subtasks);
            commandLine.getOut().printf("--records %d (about %d s of ONNX Runtime alone per pass and subtask, for"
                    + " --parallelism %d)%n", records, AUTO_SECONDS, subtasks);
        } else {
            commandLine.getOut().printf("--records %d (about %d s of ONNX Runtime alone per pass)%n", records,
                    AUTO_SECONDS);
        }
        return records;
    }
}
