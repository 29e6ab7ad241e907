package dev.flinkalbert.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.util.cuda.CudaUtils;
import java.util.Locale;

/**
 * The arithmetic of the training forward and backward passes.
 *
 * <ul>
 *   <li>{@link #FP32}: everything float32.
 *   <li>{@link #FP16}: mixed precision as Micikevicius et al. ("Mixed Precision Training", 2018) describe it: the
 *       passes run on float16 copies of the weights, the float32 weights ("master" weights) take the updates, the
 *       gradients of the copies are carried to them in float32, and the loss is scaled dynamically so that small
 *       gradients do not underflow float16. The heads' outputs, and so the losses, are float32. CUDA devices from
 *       compute capability 5.3; on a CPU it runs, more slowly than float32.
 * </ul>
 *
 * <p>bfloat16 is not offered: DJL 0.36's PyTorch bindings have no bfloat16 type (creating or casting to one
 * aborts the JVM), and DJL's casts are not recorded by autograd, which is why the float16 copies are leaves of their
 * own rather than casts inside the graph.
 */
public enum Precision {
    FP32(DataType.FLOAT32),
    FP16(DataType.FLOAT16);

    private final DataType dataType;

    Precision(DataType dataType) {
        this.dataType = dataType;
    }

    /** The type the passes compute in. */
    public DataType dataType() {
        return dataType;
    }

    /** Whether the passes run on 16-bit copies of the weights. */
    public boolean isMixed() {
        return this != FP32;
    }

    /** Whether gradients need loss scaling to survive (float16's narrow exponent). */
    public boolean needsLossScaling() {
        return this == FP16;
    }

    /**
     * What {@code auto} means on {@code device}: fp16 on a CUDA device that computes it, fp32 on the CPU (whose
     * float16 arithmetic is emulated, slower than float32).
     */
    public static Precision auto(Device device) {
        return device.isGpu() && cudaCapability(device) >= FP16_CAPABILITY ? FP16 : FP32;
    }

    /**
     * {@code auto}, {@code fp32} or {@code fp16} (case-insensitive) on {@code device}.
     *
     * @throws IllegalArgumentException for another name, or fp16 on a CUDA device without float16 arithmetic
     */
    public static Precision parse(String name, Device device) {
        Precision p = switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> auto(device);
            case "fp32", "float32" -> FP32;
            case "fp16", "float16" -> FP16;
            case "bf16", "bfloat16" -> throw new IllegalArgumentException("bf16 is not available: DJL 0.36's PyTorch"
                    + " bindings have no bfloat16 type; use --precision fp16 (loss-scaled) or fp32");
            default -> throw new IllegalArgumentException("unknown precision '" + name + "': use auto, fp32 or fp16");
        };
        if (p == FP16 && device.isGpu() && cudaCapability(device) < FP16_CAPABILITY) {
            throw new IllegalArgumentException("fp16 needs CUDA compute capability 5.3; " + device + " has "
                    + cudaCapability(device) / 10 + "." + cudaCapability(device) % 10 + ": use --precision fp32");
        }
        return p;
    }

    private static final int FP16_CAPABILITY = 53;

    private static int cudaCapability(Device device) {
        try {
            return Integer.parseInt(CudaUtils.getComputeCapability(device.getDeviceId()));
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
