package dev.flinkalbert.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./albert bench …}: speed measurements, one sub-command per part ({@code tokenizer}, …). */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Measure speed: single-thread, after warm-up, medians of several repeats.",
        subcommands = {BenchTokenizerCommand.class, BenchInferenceCommand.class, BenchPipelineCommand.class,
                BenchMemoryCommand.class, BenchSqlCommand.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
