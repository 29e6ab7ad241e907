package dev.flinkalbert.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.Collection;

/**
 * Scales all gradients together so that their global L2 norm is at most a maximum, as
 * {@code torch.nn.utils.clip_grad_norm_} does (DJL's own clipping works per value only).
 */
public final class GlobalNormClipping {

    private GlobalNormClipping() {}

    /**
     * Clips in place and returns the norm before clipping (non-finite when a gradient is). As
     * {@code clip_grad_norm_}: the norm is that of the per-parameter norms, and every gradient is multiplied by
     * {@code min(1, maxNorm / (norm + 1e-6))}.
     */
    public static double clip(Collection<NDArray> parameters, float maxNorm) {
        try (NDScope scope = new NDScope()) {
            NDArray sum = null;
            for (NDArray p : parameters) {
                NDArray g = p.getGradient();
                NDArray normSquared = g.norm().square();
                sum = sum == null ? normSquared : sum.add(normSquared);
            }
            if (sum == null) {
                return 0;
            }
            double norm = sum.sqrt().getFloat();
            double coefficient = maxNorm / (norm + 1e-6);
            if (Double.isFinite(norm) && coefficient < 1) {
                NDArray scale = sum.getManager().create((float) coefficient);
                for (NDArray p : parameters) {
                    p.getGradient().muli(scale);
                }
            }
            return norm;
        }
    }

    /**
     * Sets every gradient to zero (they accumulate across backward passes). After a non-finite norm the gradients
     * are overwritten, since subtracting a NaN gradient from itself leaves NaN.
     */
    public static void zero(Collection<NDArray> parameters, boolean finite) {
        try (NDScope scope = new NDScope()) {
            for (NDArray p : parameters) {
                NDArray g = p.getGradient();
                if (finite) {
                    g.subi(g);
                } else {
                    g.set(new NDIndex(":"), 0f);
                }
            }
        }
    }
}
