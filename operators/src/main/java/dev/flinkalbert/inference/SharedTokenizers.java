package dev.flinkalbert.inference;

import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One {@link AlbertTokenizer} per distinct {@code spiece.model} (by content) per class loader, so that the operator
 * instances of a TaskManager, restarts within a job and models fine-tuned from one vocabulary read and index the
 * vocabulary once (0.1–0.3 s and a few MB each otherwise). Kept for the class loader's life: a tokenizer is plain,
 * thread-safe Java without native memory, a job has a handful of vocabularies at most, and Flink drops the job's
 * class loader with the job.
 */
final class SharedTokenizers {

    /** By spiece.model's SHA-256; a future, so that a vocabulary is read once and outside the map's lock. */
    private static final ConcurrentMap<String, CompletableFuture<AlbertTokenizer>> TOKENIZERS =
            new ConcurrentHashMap<>();

    private SharedTokenizers() {}

    /** The tokenizer of this model directory's spiece.model. */
    static AlbertTokenizer of(Path modelDirectory) throws IOException {
        String key = sha256(modelDirectory.resolve(AlbertModel.TOKENIZER_FILE));
        CompletableFuture<AlbertTokenizer> mine = new CompletableFuture<>();
        CompletableFuture<AlbertTokenizer> existing = TOKENIZERS.putIfAbsent(key, mine);
        if (existing == null) {
            try {
                mine.complete(AlbertTokenizer.fromModelDirectory(modelDirectory));
            } catch (IOException | RuntimeException | Error e) {
                TOKENIZERS.remove(key, mine); // not kept: the next caller reads the file again
                mine.completeExceptionally(e);
                throw e;
            }
            return mine.join();
        }
        try {
            return existing.join();
        } catch (CompletionException e) {
            // Reading failed in the thread that started it (the same bytes): the same failure here.
            if (e.getCause() instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
