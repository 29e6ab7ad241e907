package dev.flinkalbert.model.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.flinkalbert.model.Precision;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --precision}: the arithmetic of the training passes, shared by pretrain, finetune and qa. */
final class PrecisionOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    private String precision = "auto";

    /** Checked as the command line is read, so that a bad name stops the command before any data is loaded. */
    @Option(names = "--precision", defaultValue = "auto", paramLabel = "auto|fp32|fp16",
            description = "fp16: mixed precision (float16 passes, float32 master weights and losses, dynamic loss"
                    + " scaling). auto: fp16 on CUDA devices, fp32 on the CPU. Default: ${DEFAULT-VALUE}.")
    void setPrecision(String name) {
        try {
            Precision.parse(name, Device.cpu()); // the name; the device is checked by resolve()
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), "--precision " + name + ": " + e.getMessage());
        }
        this.precision = name;
    }

    /** The precision on the engine's default device, said on stderr. */
    Precision resolve() {
        Device device = Engine.getInstance().defaultDevice();
        Precision p = Precision.parse(precision, device);
        System.err.println("precision " + p.name().toLowerCase(Locale.ROOT) + " on " + device);
        return p;
    }
}
