package dev.flinkalbert.cli;

import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where a command gets its ALBERT tokenizer: {@code --spiece FILE} or {@code --model-dir DIR} (exactly one). */
final class TokenizerSource {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    static final class Choice {
        @Option(names = "--spiece", paramLabel = "FILE", description = "SentencePiece model (spiece.model)")
        Path spiece;

        @Option(names = "--model-dir", paramLabel = "DIR", description = "Model directory holding spiece.model")
        Path modelDir;
    }

    /** Loads the tokenizer; a missing or unusable model is a usage error with one clear message. */
    AlbertTokenizer load(CommandLine commandLine) {
        try {
            return choice.spiece != null
                    ? AlbertTokenizer.fromSpieceModel(choice.spiece)
                    : AlbertTokenizer.fromModelDirectory(choice.modelDir);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(commandLine, "cannot load the tokenizer: " + e.getMessage());
        }
    }
}
