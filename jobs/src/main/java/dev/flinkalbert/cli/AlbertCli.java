package dev.flinkalbert.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./albert} command line. Each sub-command is its own class, listed here once.
 *
 * <p>{@code ./albert train …} is not listed: the launcher sends it to the separate {@code model} module, so that
 * the streaming jar never carries PyTorch.
 */
@Command(
        name = "albert",
        mixinStandardHelpOptions = true,
        versionProvider = AlbertCli.Version.class,
        description = "ALBERT inside Apache Flink and Kafka: tokenize, predict, stream and benchmark.",
        subcommands = {
            CommandLine.HelpCommand.class,
            BrokerCommand.class,
            ClusterCommand.class,
            TokenizeCommand.class,
            PredictCommand.class,
            BenchCommand.class,
            DemoCommand.class,
            ProduceCommand.class,
            dev.flinkalbert.jobs.ClassifyJob.class,
            dev.flinkalbert.jobs.EmbedJob.class,
            dev.flinkalbert.jobs.QaJob.class,
            dev.flinkalbert.jobs.NerJob.class,
            SqlCommand.class,
        },
        footer = {
            "",
            "  train      Pretrain, fine-tune, evaluate and export models (the offline 'model' module):",
            "             ./albert train --help",
        })
public final class AlbertCli implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        return new CommandLine(new AlbertCli()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Reads the version Maven wrote into the jar manifest, or says it is a development build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = AlbertCli.class.getPackage().getImplementationVersion();
            return new String[] {"flink-albert " + (v == null ? "(development build)" : v)};
        }
    }
}
