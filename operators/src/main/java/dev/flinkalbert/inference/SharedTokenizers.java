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
 * One {@link AlbertTokenizer} per distinct {@code spiece.model} (by content) per JVM, shared by every model that
 * uses it and dropped when the last one closes. Building a tokenizer takes seconds (its piece trie), so the
 * operator instances of a TaskManager, and models fine-tuned from one vocabulary, load it once. The tokenizer is
 * thread-safe and holds no native resources.
 */
final class SharedTokenizers {

    private static final class Entry {
        final AlbertTokenizer tokenizer;
        int users;

        Entry(AlbertTokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }
    }

    private static final Map<String, Entry> TOKENIZERS = new HashMap<>();

    private SharedTokenizers() {}

    /** The tokenizer of this model directory's spiece.model; pair with {@link #release(String)} on the key. */
    static synchronized Map.Entry<String, AlbertTokenizer> acquire(Path modelDirectory) throws IOException {
        String key = sha256(modelDirectory.resolve(AlbertModel.TOKENIZER_FILE));
        Entry entry = TOKENIZERS.get(key);
        if (entry == null) {
            entry = new Entry(AlbertTokenizer.fromModelDirectory(modelDirectory));
            TOKENIZERS.put(key, entry);
        }
        entry.users++;
        return Map.entry(key, entry.tokenizer);
    }

    static synchronized void release(String key) {
        Entry entry = TOKENIZERS.get(key);
        if (entry != null && --entry.users == 0) {
            TOKENIZERS.remove(key);
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
