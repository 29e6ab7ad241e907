package dev.flinkalbert.model.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./albert train}: the offline side of flink-albert (DJL on PyTorch): pretraining, fine-tuning, evaluation,
 * ONNX export, vocabularies and public data sets. Each sub-command is its own class, listed here once.
 */
@Command(
        name = "albert train",
        mixinStandardHelpOptions = true,
        description = "Pretrain, fine-tune, evaluate and export ALBERT models (DJL on PyTorch, CPU or GPU).",
        subcommands = {
            CommandLine.HelpCommand.class,
            PretrainCommand.class,
            FinetuneCommand.class,
            EvalCommand.class,
            QaCommand.class,
            ExportCommand.class,
            VocabCommand.class,
            DatasetsCommand.class,
            ReplayCommand.class,
        })
public final class TrainCli implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        // Misconfiguration (missing file, unknown data set, bad option value) is one line naming the fix; input
        // that a command refuses exits 2 like a usage error; other failures keep their stack trace.
        return new CommandLine(new TrainCli()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof InvalidInputException) {
                        cmd.getErr().println("albert train " + cmd.getCommandName() + ": " + e.getMessage());
                        return 2;
                    }
                    if (e instanceof IllegalArgumentException || e instanceof IllegalStateException
                            || e instanceof java.io.IOException) {
                        cmd.getErr().println("albert train " + cmd.getCommandName() + ": " + e.getMessage());
                        return 1;
                    }
                    throw e;
                });
    }

    public static void main(String[] args) {
        // PyTorch comes from the pytorch-native-cpu jar on the class path: DJL must never try to download it.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(commandLine().execute(args));
    }
}
