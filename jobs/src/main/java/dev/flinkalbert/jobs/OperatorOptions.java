package dev.flinkalbert.jobs;

import dev.flinkalbert.flink.AlbertTransform;
import dev.flinkalbert.flink.BatchPolicy;
import dev.flinkalbert.inference.AlbertEncoder;
import dev.flinkalbert.inference.SessionSettings;

import java.time.Duration;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The command-line options of an ALBERT operator that every command running one shares (the jobs {@code classify},
 * {@code embed}, {@code qa}, the demo and {@code bench pipeline}): batching, maximum length and the ONNX Runtime
 * session. A picocli mixin:
 *
 * <pre>{@code
 * @Command(name = "mine", defaultValueProvider = OperatorOptions.Defaults.class)
 * class MyCommand implements Callable<Integer> {
 *     @Mixin OperatorOptions operator;
 *     public Integer call() {
 *         AlbertClassifier classifier = operator.applyTo(AlbertClassifier.builder().modelDirectory(dir), "mine").build();
 *         …
 *     }
 * }
 * }</pre>
 *
 * <p>The defaults are the library's ({@link Defaults}), not restated here; one spelling per option, the earlier
 * spellings ({@code --max-batch-size}, {@code --max-linger-ms}) still accepted but hidden.
 */
public final class OperatorOptions {

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Records per ONNX Runtime call (default: ${DEFAULT-VALUE})")
    Integer batchSize;

    @Option(names = "--flush-batches", paramLabel = "K",
            description = "Flush K batches at once, sorted by length before they are cut (default: ${DEFAULT-VALUE})")
    Integer flushBatches;

    @Option(names = "--linger-ms", paramLabel = "MS",
            description = "Longest wait of a batch's first record (default: ${DEFAULT-VALUE})")
    Long lingerMillis;

    @Option(names = "--token-budget", paramLabel = "TOKENS",
            description = "Most tokens per batch and per ONNX Runtime call (default: ${DEFAULT-VALUE})")
    Integer tokenBudget;

    @Option(names = "--max-length", paramLabel = "TOKENS",
            description = "Longest tokenized input or QA window (default: the model's; QA: 384)")
    Integer maxLength;

    @Option(names = "--shared-batcher", description = "One batcher per TaskManager for all subtasks")
    boolean sharedBatcher;

    @Option(names = "--pipelined", negatable = true, description = "Tokenize the next batch while ONNX Runtime runs"
            + " this one, on an inference thread of the operator (per-subtask mode; default: on with a CUDA --device,"
            + " off on the CPU)")
    Boolean pipelined;

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "cpu, cuda or cuda:N (CUDA needs onnxruntime_gpu) (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--intra-op-threads", paramLabel = "N",
            description = "ONNX Runtime threads per call (default: ${DEFAULT-VALUE})")
    Integer intraOpThreads;

    // The demo's earlier spellings, kept apart: picocli applies the defaults of unmatched options after parsing,
    // which would overwrite a value an alias had set on the same field.
    @Option(names = "--max-batch-size", hidden = true, paramLabel = "N")
    Integer batchSizeAlias;

    @Option(names = "--max-linger-ms", hidden = true, paramLabel = "MS")
    Long lingerMillisAlias;

    /**
     * Applies the options that are set (all of them under {@link Defaults}) to an operator's builder; with
     * {@code --shared-batcher}, the batcher is named after {@code name} and the model directory.
     */
    public <B extends AlbertTransform.Builder<B, ?>> B applyTo(B builder, String sharedBatcherName) {
        if (batchSize() != null) {
            builder.maxBatchSize(batchSize());
        }
        if (flushBatches != null) {
            builder.flushBatches(flushBatches);
        }
        if (linger() != null) {
            builder.maxLinger(linger());
        }
        if (tokenBudget != null) {
            builder.tokenBudget(tokenBudget);
        }
        if (maxLength != null) {
            builder.maxLength(maxLength);
        }
        if (device != null) {
            builder.device(device);
        }
        if (intraOpThreads != null) {
            builder.intraOpThreads(intraOpThreads);
        }
        if (sharedBatcher) {
            builder.sharedPerTaskManager(sharedBatcherName);
        }
        if (pipelined != null) {
            builder.pipelined(pipelined);
        }
        return builder;
    }

    /** Batches per flush, or null for the operator's default. */
    public Integer flushBatches() {
        return flushBatches;
    }

    /** ONNX Runtime threads per call, or null for the operator's default. */
    public Integer intraOpThreads() {
        return intraOpThreads;
    }

    /** Records per ONNX Runtime call, or null for the operator's default. */
    public Integer batchSize() {
        return batchSizeAlias != null ? batchSizeAlias : batchSize;
    }

    /** The linger, or null for the operator's default. */
    public Duration linger() {
        Long millis = lingerMillisAlias != null ? lingerMillisAlias : lingerMillis;
        return millis == null ? null : Duration.ofMillis(millis);
    }

    /**
     * The defaults of the operator options, read from where the library defines them: a command that mixes in
     * {@link OperatorOptions} names this class as its {@code defaultValueProvider}, so that help shows them.
     */
    public static class Defaults implements CommandLine.IDefaultValueProvider {
        /** The defaults by option name (a subclass may change some, as a bench does). */
        protected static final Map<String, String> DEFAULTS = Map.of(
                "--batch-size", "" + AlbertEncoder.DEFAULT_MAX_BATCH_SIZE,
                "--flush-batches", "" + AlbertTransform.Builder.DEFAULT_FLUSH_BATCHES,
                "--linger-ms", "" + BatchPolicy.DEFAULT_MAX_LINGER.toMillis(),
                "--token-budget", "" + AlbertEncoder.DEFAULT_TOKEN_BUDGET,
                "--device", SessionSettings.DEFAULT_DEVICE,
                "--intra-op-threads", "" + SessionSettings.DEFAULT_INTRA_OP_THREADS);

        @Override
        public String defaultValue(CommandLine.Model.ArgSpec argSpec) {
            return argSpec instanceof CommandLine.Model.OptionSpec option ? defaultValue(option.longestName()) : null;
        }

        /** The default of the option named {@code name}, or null. */
        protected String defaultValue(String name) {
            return DEFAULTS.get(name);
        }
    }
}
