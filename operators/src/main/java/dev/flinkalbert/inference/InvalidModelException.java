package dev.flinkalbert.inference;

import java.nio.file.Path;
import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * A model directory that breaks the contract of {@link AlbertModel}: a missing file, an ONNX graph with the wrong
 * inputs or outputs, or a {@code config.json} without the fields inference needs. Thrown once, at start-up, with
 * every problem found and what was expected instead, so that a job fails before it reads its first record.
 */
@PublicEvolving
public final class InvalidModelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Path directory;
    private final List<String> problems;

    InvalidModelException(Path directory, List<String> problems) {
        this(directory, problems, null);
    }

    InvalidModelException(Path directory, List<String> problems, Throwable cause) {
        super(message(directory, problems), cause);
        this.directory = directory;
        this.problems = List.copyOf(problems);
    }

    /** The model directory that was rejected. */
    public Path directory() {
        return directory;
    }

    /** Each problem found, one sentence each, naming the file and the fix. */
    public List<String> problems() {
        return problems;
    }

    private static String message(Path directory, List<String> problems) {
        StringBuilder sb = new StringBuilder("Model directory ").append(directory)
                .append(" is not a usable ALBERT model (expected model.onnx, config.json and spiece.model as a"
                        + " Hugging Face/optimum export writes them):");
        for (String problem : problems) {
            sb.append("\n  - ").append(problem);
        }
        return sb.toString();
    }
}
