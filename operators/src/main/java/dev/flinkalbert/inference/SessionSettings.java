package dev.flinkalbert.inference;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.annotation.PublicEvolving;

/**
 * How an ONNX Runtime session is opened. Two models opened with equal settings on the same file share one session.
 * Serializable, so that an operator can carry it to the TaskManagers and open the model there.
 *
 * @param device {@code cpu}, {@code cuda} or {@code cuda:N}; CUDA falls back to the CPU, with a warning, when the
 *     CUDA execution provider is unavailable
 * @param intraOpThreads threads one operator may use; on a 2-core TaskManager 1 was faster than 2
 * @param interOpThreads threads running independent operators in parallel
 * @param optimizationLevel ONNX Runtime's graph optimisation level
 */
@PublicEvolving
public record SessionSettings(String device, int intraOpThreads, int interOpThreads, OptLevel optimizationLevel)
        implements Serializable {

    /** The default device. */
    public static final String DEFAULT_DEVICE = "cpu";
    /**
     * Default intra-op threads: one, because a TaskManager runs one operator instance per slot and each calls the
     * session from its own thread; more threads per call then only compete for the same cores.
     */
    public static final int DEFAULT_INTRA_OP_THREADS = 1;
    /** Default inter-op threads (the ALBERT graph is a chain; parallel branches gain nothing). */
    public static final int DEFAULT_INTER_OP_THREADS = 1;
    /** Default graph optimisation: all (fuses the tanh-GELU and the scaled MatMul at opset 17). */
    public static final OptLevel DEFAULT_OPTIMIZATION_LEVEL = OptLevel.ALL_OPT;

    private static final Pattern DEVICE = Pattern.compile("cpu|cuda(?::(\\d+))?");

    public SessionSettings {
        Objects.requireNonNull(device, "device");
        device = device.trim().toLowerCase(Locale.ROOT);
        if (!DEVICE.matcher(device).matches()) {
            throw new IllegalArgumentException("device must be cpu, cuda or cuda:N, got '" + device + "'");
        }
        if (intraOpThreads < 1 || interOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads and interOpThreads must be at least 1, got "
                    + intraOpThreads + " and " + interOpThreads);
        }
        Objects.requireNonNull(optimizationLevel, "optimizationLevel");
    }

    /** The defaults: CPU, one intra-op and one inter-op thread, all graph optimisations. */
    public static SessionSettings defaults() {
        return new SessionSettings(DEFAULT_DEVICE, DEFAULT_INTRA_OP_THREADS, DEFAULT_INTER_OP_THREADS,
                DEFAULT_OPTIMIZATION_LEVEL);
    }

    /** Whether a CUDA device was asked for. */
    public boolean wantsCuda() {
        return device.startsWith("cuda");
    }

    /** The CUDA device index ({@code cuda} means 0). */
    public int cudaDeviceId() {
        Matcher m = DEVICE.matcher(device);
        m.matches();
        return m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
    }
}
