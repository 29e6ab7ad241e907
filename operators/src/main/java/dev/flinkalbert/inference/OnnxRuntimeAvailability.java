package dev.flinkalbert.inference;

import org.apache.flink.annotation.Internal;

/**
 * Whether ONNX Runtime's Java classes are on the class path, checked before anything touches them: on a Flink
 * cluster its jar belongs in Flink's {@code lib/} (the job jar leaves it out), and without it the first use is a
 * bare {@code NoClassDefFoundError} deep in a stack trace.
 *
 * <pre>{@code
 * OnnxRuntimeAvailability.require();   // throws IllegalStateException naming the fix
 * }</pre>
 */
@Internal
public final class OnnxRuntimeAvailability {

    private static final String PROBE = "ai.onnxruntime.OrtEnvironment";

    private OnnxRuntimeAvailability() {}

    /** @throws IllegalStateException naming the fix, when ONNX Runtime's classes cannot be loaded */
    public static void require() {
        try {
            Class.forName(PROBE, false, OnnxRuntimeAvailability.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("ONNX Runtime is not on the class path (" + PROBE + " cannot be loaded):"
                    + " put onnxruntime-" + expectedVersion() + ".jar into Flink's lib/ on every machine, the client's"
                    + " included (the build copies it to jobs/target/flink-lib/onnxruntime.jar). The job jar leaves"
                    + " it out so that each TaskManager loads the native library once, not once per job.");
        }
    }

    /** The ONNX Runtime version this build pins ({@code onnxruntime.version} in pom.xml; 1.29.0 crashes). */
    static String expectedVersion() {
        return "1.28.0";
    }
}
