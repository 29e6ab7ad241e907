package dev.flinkalbert.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM-wide registry of ONNX Runtime sessions: one {@link OrtEnvironment} per JVM, and one {@link OrtSession}
 * per (model file, {@link SessionSettings}), shared by every user and closed when the last one releases it.
 * {@code OrtSession.run} is safe to call from many threads, so all operator instances of a TaskManager share it.
 * The registry's lock guards the reference counts only: sessions are opened and closed outside it.
 */
final class SharedSessions {

    private static final Logger LOG = LoggerFactory.getLogger(SharedSessions.class);
    private static final String ENVIRONMENT_NAME = "flink-albert";

    private record Key(Path modelFile, SessionSettings settings) {}

    /** An opened session and the device it really runs on. */
    private record Opened(OrtSession session, String device) {}

    /**
     * A session being opened or open. The first acquirer opens it outside the registry's lock (seconds for a large
     * model), so that users of other models are not held up; later acquirers of the same key wait for that one
     * opening instead of starting another.
     */
    private static final class Entry {
        final CompletableFuture<Opened> opened = new CompletableFuture<>();
        int users; // guarded by SESSIONS

        Opened get() {
            return opened.getNow(null);
        }
    }

    private static final Map<Key, Entry> SESSIONS = new HashMap<>();

    private SharedSessions() {}

    /** The one environment of this JVM (ONNX Runtime keeps it as a singleton; the first caller names it). */
    static OrtEnvironment environment() {
        OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, ENVIRONMENT_NAME);
        synchronized (SharedSessions.class) {
            if (!environmentReported) {
                environmentReported = true;
                // Where ONNX Runtime came from: on a Flink cluster, Flink's lib/ and the parent class loader, so that
                // every job on a TaskManager shares one native library (a copy per job would be loaded again).
                java.security.CodeSource source = OrtEnvironment.class.getProtectionDomain().getCodeSource();
                LOG.info("Using the ONNX Runtime {} environment from {} (class loader {})", env.getVersion(),
                        source == null ? "?" : source.getLocation(), OrtEnvironment.class.getClassLoader());
            }
        }
        return env;
    }

    private static boolean environmentReported;

    /**
     * A lease on the session for this file and these settings, creating it when no one holds it. The session is
     * opened outside the registry's lock, once: callers asking for the same one meanwhile wait for it.
     *
     * @throws OrtException when ONNX Runtime cannot load the file
     */
    static Lease acquire(Path modelFile, SessionSettings settings) throws OrtException {
        Key key = new Key(canonical(modelFile), settings);
        Entry entry;
        boolean created;
        int usersNow;
        synchronized (SESSIONS) {
            entry = SESSIONS.get(key);
            created = entry == null;
            if (created) {
                entry = new Entry();
                SESSIONS.put(key, entry);
            }
            usersNow = ++entry.users;
        }
        if (created) {
            try {
                entry.opened.complete(open(key));
            } catch (OrtException | RuntimeException | Error e) {
                synchronized (SESSIONS) {
                    SESSIONS.remove(key, entry); // the next acquirer tries again
                }
                entry.opened.completeExceptionally(e);
                throw e;
            }
        } else {
            try {
                entry.opened.join();
            } catch (CompletionException | CancellationException e) {
                // Opening failed in the thread that created the entry (which removed it): the same failure here.
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (cause instanceof OrtException ort) {
                    throw ort;
                }
                if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException("opening the session for " + key.modelFile() + " failed", cause);
            }
        }
        if (!created) {
            LOG.info("Sharing the ONNX Runtime session for {} ({} users in this class loader)", key.modelFile(), usersNow);
        }
        return new Lease(key, entry, created);
    }

    /** How many users hold the session for this file and these settings (0 when it is closed). */
    static int users(Path modelFile, SessionSettings settings) {
        Key key = new Key(canonical(modelFile), settings);
        synchronized (SESSIONS) {
            Entry entry = SESSIONS.get(key);
            return entry == null ? 0 : entry.users;
        }
    }

    /** The file's real path (links resolved), so that every way of naming one file finds one session. */
    private static Path canonical(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file.toAbsolutePath().normalize(); // ONNX Runtime reports the missing file when opening it
        }
    }

    private static Lease retain(Key key, Entry entry) {
        synchronized (SESSIONS) {
            if (SESSIONS.get(key) != entry) {
                throw new IllegalStateException("the session for " + key.modelFile() + " is already closed");
            }
            entry.users++;
        }
        return new Lease(key, entry, false);
    }

    private static void release(Key key, Entry entry) {
        synchronized (SESSIONS) {
            if (--entry.users > 0) {
                return;
            }
            SESSIONS.remove(key, entry);
        }
        // No lease is left and the entry is out of the registry: no one else can reach this session.
        try {
            entry.get().session().close();
            LOG.info("Closed the ONNX Runtime session for {}", key.modelFile());
        } catch (OrtException e) {
            LOG.warn("Closing the ONNX Runtime session for {} failed", key.modelFile(), e);
        }
    }

    private static Opened open(Key key) throws OrtException {
        OrtEnvironment env = environment();
        SessionSettings settings = key.settings();
        String device = "cpu";
        OrtSession.SessionOptions options = cpuOptions(settings);
        if (settings.wantsCuda()) {
            OrtSession.SessionOptions cuda = cpuOptions(settings);
            try {
                cuda.addCUDA(settings.cudaDeviceId());
                options.close();
                options = cuda;
                device = settings.device();
            } catch (OrtException | RuntimeException e) {
                // The CPU build of ONNX Runtime throws EP_FAIL here; so does a host without a usable GPU.
                cuda.close();
                LOG.warn("CUDA execution provider unavailable for device {} ({}); falling back to the CPU for {}",
                        settings.device(), e.getMessage(), key.modelFile());
            }
        }
        try (OrtSession.SessionOptions opened = options) {
            OrtSession session = env.createSession(key.modelFile().toString(), opened);
            LOG.info("Opened ONNX Runtime {} session for {} on {} (intra-op threads {}, inter-op threads {}, {})",
                    env.getVersion(), key.modelFile(), device, settings.intraOpThreads(),
                    settings.interOpThreads(), settings.optimizationLevel());
            return new Opened(session, device);
        }
    }

    private static OrtSession.SessionOptions cpuOptions(SessionSettings settings) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setIntraOpNumThreads(settings.intraOpThreads());
            options.setInterOpNumThreads(settings.interOpThreads());
            options.setOptimizationLevel(settings.optimizationLevel());
            return options;
        } catch (OrtException e) {
            options.close();
            throw e;
        }
    }

    /**
     * One user's hold on a shared session; closing it releases the hold once, however many threads close it (the
     * demo's shutdown hook and its main thread may both close the same model).
     */
    static final class Lease implements AutoCloseable {
        private final Key key;
        private final Entry entry;
        private final boolean created;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Key key, Entry entry, boolean created) {
            this.key = key;
            this.entry = entry;
            this.created = created;
        }

        OrtSession session() {
            if (closed.get()) {
                throw new IllegalStateException("this lease on " + key.modelFile() + " is closed");
            }
            return entry.get().session();
        }

        /** The device the session really runs on ({@code cpu} after a CUDA fallback). */
        String device() {
            return entry.get().device();
        }

        /** Whether this acquisition opened the session (so it is the one to warm it up). */
        boolean created() {
            return created;
        }

        /** Another lease on the same session. */
        Lease retain() {
            session();
            return SharedSessions.retain(key, entry);
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release(key, entry);
            }
        }
    }
}
