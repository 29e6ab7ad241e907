package dev.flinkalbert.inference;

import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * One {@link AlbertTokenizer} per distinct {@code spiece.model} (by content) per class loader, so that the operator
 * instances of a TaskManager, restarts within a job and models fine-tuned from one vocabulary read and index the
 * vocabulary once (0.1–0.3 s and a few MB each otherwise). Kept for the class loader's life: a tokenizer is plain,
 * thread-safe Java without native memory, a job has a handful of vocabularies at most, and Flink drops the job's
 * class loader with the job.
 */
final class SharedTokenizers {

    private static final Map<String, AlbertTokenizer> TOKENIZERS = new HashMap<>();

    private SharedTokenizers() {}

    /** The tokenizer of this model directory's spiece.model. */
    static synchronized AlbertTokenizer of(Path modelDirectory) throws IOException {
        String key = sha256(modelDirectory.resolve(AlbertModel.TOKENIZER_FILE));
        AlbertTokenizer tokenizer = TOKENIZERS.get(key);
        if (tokenizer == null) {
            tokenizer = AlbertTokenizer.fromModelDirectory(modelDirectory);
            TOKENIZERS.put(key, tokenizer);
        }
        return tokenizer;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
