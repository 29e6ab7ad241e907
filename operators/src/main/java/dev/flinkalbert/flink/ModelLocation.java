package dev.flinkalbert.flink;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.cache.DistributedCache;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the TaskManagers find a model directory ({@code model.onnx}, {@code config.json}, {@code spiece.model}),
 * and which {@code model.onnx} they must find there.
 *
 * <pre>{@code
 * // Read in place: every TaskManager sees the same path (a local MiniCluster, a mounted volume, a shared disk).
 * ModelLocation model = ModelLocation.local(Path.of("/models/sentiment"));
 *
 * // Shipped with the job: Flink zips the directory on the client, and each TaskManager unpacks it once.
 * ModelLocation model = ModelLocation.shipped(Path.of("models/sentiment"))
 *         .withModelSha256("9f2c…");                        // optional: refuse any other model.onnx
 *
 * model.prepare(env);                                        // on the client: checks, registers the cache entry
 * ... in the operator's open():
 * Path dir = model.resolve(getRuntimeContext().getDistributedCache());
 *
 * // The ALBERT operators take it as it is and call both:
 * AlbertClassifier.builder().modelLocation(model).build().apply(events);
 * }</pre>
 *
 * <p>{@link #prepare} runs on the client while the job graph is built, so a missing directory or a wrong checksum
 * fails the submission with one message instead of every task at run time. {@link #resolve} checks the checksum
 * again where the model is read (once per path per JVM), because a local path may hold another file on a
 * TaskManager than on the client.
 */
@PublicEvolving
public final class ModelLocation implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The file whose SHA-256 {@link #withModelSha256} pins. */
    public static final String MODEL_FILE = "model.onnx";
    /** Prefix of the distributed-cache entry name; the rest is the directory's name. */
    public static final String CACHE_NAME_PREFIX = "flinkalbert-model-";

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    /** Hashes computed in this JVM (path, size, mtime → SHA-256), so each task does not hash a large model again. */
    private static final Map<String, String> HASHES = new ConcurrentHashMap<>();

    private final String directory;
    private final boolean shipped;
    private final String modelSha256;

    private ModelLocation(String directory, boolean shipped, String modelSha256) {
        this.directory = directory;
        this.shipped = shipped;
        this.modelSha256 = modelSha256;
    }

    /** A directory every TaskManager reads at the same path. */
    public static ModelLocation local(Path directory) {
        return new ModelLocation(absolute(directory), false, null);
    }

    /** A directory on the client, sent to the TaskManagers with the job through Flink's distributed cache. */
    public static ModelLocation shipped(Path directory) {
        return new ModelLocation(absolute(directory), true, null);
    }

    /**
     * Pins {@code model.onnx} to this SHA-256 (64 hex digits, as {@code sha256sum} prints them); a different file
     * is refused at {@link #prepare} and at {@link #resolve}. {@code null} or blank removes the pin.
     */
    public ModelLocation withModelSha256(String sha256) {
        if (sha256 == null || sha256.isBlank()) {
            return new ModelLocation(directory, shipped, null);
        }
        String hex = sha256.trim().toLowerCase(Locale.ROOT);
        if (!SHA256_HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("a model SHA-256 is 64 hex digits (as sha256sum prints it), got '"
                    + sha256 + "'");
        }
        return new ModelLocation(directory, shipped, hex);
    }

    /** The directory as named on the client. */
    public Path directory() {
        return Path.of(directory);
    }

    /** Whether the directory travels with the job (distributed cache) rather than being read in place. */
    public boolean isShipped() {
        return shipped;
    }

    /** The pinned SHA-256 of {@code model.onnx}, if any. */
    public Optional<String> modelSha256() {
        return Optional.ofNullable(modelSha256);
    }

    /** The distributed-cache entry name of a shipped directory. */
    public String cacheName() {
        return CACHE_NAME_PREFIX + Path.of(directory).getFileName();
    }

    /**
     * On the client: checks that the directory holds {@code model.onnx}, with the pinned checksum if any. A local
     * directory that the client cannot see is left to the TaskManagers (it may exist only there) unless a checksum
     * is pinned, which needs the file.
     *
     * @throws IllegalArgumentException naming the fix, when the directory or the checksum is wrong
     */
    public void check() {
        Path dir = directory();
        if (shipped || modelSha256 != null || Files.isDirectory(dir)) {
            verify(dir, "on the client");
        }
    }

    /**
     * On the client, while the job is built: {@link #check()}s the directory and, for a shipped one, registers it
     * in {@code env}'s distributed cache (once, however many operators use it).
     *
     * @throws IllegalArgumentException naming the fix, when the directory or the checksum is wrong, or another
     *     directory of the same name is already shipped
     */
    public void prepare(StreamExecutionEnvironment env) {
        check();
        if (!shipped) {
            return;
        }
        for (Tuple2<String, DistributedCache.DistributedCacheEntry> entry : env.getCachedFiles()) {
            if (entry.f0.equals(cacheName())) {
                if (Path.of(entry.f1.filePath).toAbsolutePath().normalize().equals(directory())) {
                    return;
                }
                throw new IllegalArgumentException("Two model directories named '" + directory().getFileName()
                        + "' are shipped with this job (" + entry.f1.filePath + " and " + directory
                        + "): rename one of them");
            }
        }
        env.registerCachedFile(directory, cacheName());
    }

    /**
     * Where the model directory is on this TaskManager: the path itself, or the distributed cache's unpacked copy.
     * Call in {@code open()}.
     *
     * @param jobFiles the task's distributed cache ({@code getRuntimeContext().getDistributedCache()}); only read
     *     for a shipped directory, may be null for a local one
     * @throws IllegalStateException naming the fix, when the directory or the checksum is wrong
     */
    public Path resolve(DistributedCache jobFiles) {
        Path dir;
        if (shipped) {
            if (jobFiles == null) {
                throw new IllegalStateException("The model directory " + directory + " is shipped with the job, but"
                        + " it was opened without the job's distributed cache: create the processor with"
                        + " create(getRuntimeContext().getDistributedCache()), or use a local model location");
            }
            File cached;
            try {
                cached = jobFiles.getFile(cacheName());
            } catch (RuntimeException e) {
                throw new IllegalStateException("The model directory " + directory + " was not shipped with this job"
                        + " (no distributed-cache entry '" + cacheName() + "'): call ModelLocation.prepare(env)"
                        + " before env.execute()", e);
            }
            dir = cached.toPath();
        } else {
            dir = directory();
        }
        try {
            verify(dir, "on this TaskManager");
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return dir;
    }

    private void verify(Path dir, String where) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("The model directory " + dir + " does not exist " + where
                    + ": point the model location at a folder holding model.onnx, config.json and spiece.model"
                    + (shipped ? "" : ", or ship it with the job (--ship-model, ModelLocation.shipped) when only the client has it"));
        }
        Path model = dir.resolve(MODEL_FILE);
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("The model directory " + dir + " has no " + MODEL_FILE + " " + where
                    + ": export the model to ONNX into it (see the README, 'Bringing a Hugging Face model')");
        }
        if (modelSha256 != null) {
            String actual = sha256(model);
            if (!actual.equals(modelSha256)) {
                throw new IllegalArgumentException("The model " + model + " has SHA-256 " + actual + " " + where
                        + ", but " + modelSha256 + " was expected: point the location at the intended model, or"
                        + " pin the checksum of this one (sha256sum " + MODEL_FILE + ")");
            }
        }
    }

    /** SHA-256 of a file as 64 lower-case hex digits, remembered per path, size and modification time. */
    static String sha256(Path file) {
        String key;
        try {
            key = file.toRealPath() + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return HASHES.computeIfAbsent(key, k -> {
            try (InputStream in = Files.newInputStream(file)) {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
                return HexFormat.of().formatHex(digest.digest());
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM has no SHA-256", e);
            }
        });
    }

    private static String absolute(Path directory) {
        return Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize().toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelLocation other && directory.equals(other.directory) && shipped == other.shipped
                && Objects.equals(modelSha256, other.modelSha256);
    }

    @Override
    public int hashCode() {
        return Objects.hash(directory, shipped, modelSha256);
    }

    @Override
    public String toString() {
        return (shipped ? "shipped " : "local ") + directory + (modelSha256 == null ? "" : " (sha256 " + modelSha256 + ")");
    }
}
