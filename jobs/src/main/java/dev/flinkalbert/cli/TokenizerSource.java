package dev.flinkalbert.cli;

import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.io.IOException;
import java.nio.file.Path;
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

    AlbertTokenizer load() throws IOException {
        return choice.spiece != null
                ? AlbertTokenizer.fromSpieceModel(choice.spiece)
                : AlbertTokenizer.fromModelDirectory(choice.modelDir);
    }

    /** The file or directory named on the command line, for messages. */
    Path path() {
        return choice.spiece != null ? choice.spiece : choice.modelDir;
    }
}
