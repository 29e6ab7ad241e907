package dev.flinkalbert.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.Collection;

/**
 * Dynamic loss scaling for float16 training, as {@code torch.amp.GradScaler} does it: the loss is multiplied by a
 * large scale before the backward pass, so that small gradients do not underflow float16, and the gradients are
 * divided by it before clipping and the update. A step whose gradients overflowed (a non-finite norm) is skipped and
 * the scale halved; after {@value #DEFAULT_GROWTH_INTERVAL} finite steps in a row the scale doubles.
 */
public final class LossScaler {

    public static final float DEFAULT_INITIAL_SCALE = 65_536f;
    public static final float GROWTH_FACTOR = 2f;
    public static final float BACKOFF_FACTOR = 0.5f;
    public static final int DEFAULT_GROWTH_INTERVAL = 2000;
    /** The scale never falls below this (a loss that overflows at scale 1 has a problem scaling cannot fix). */
    public static final float MIN_SCALE = 1f;

    private final int growthInterval;
    private float scale;
    private int finiteSteps;

    /** A scaler starting at {@code initialScale} that grows after {@code growthInterval} finite steps. */
    public LossScaler(float initialScale, int growthInterval) {
        if (!(initialScale >= MIN_SCALE) || !Float.isFinite(initialScale) || growthInterval < 1) {
            throw new IllegalArgumentException("initialScale must be finite and >= 1 and growthInterval >= 1, got "
                    + initialScale + " and " + growthInterval);
        }
        this.scale = initialScale;
        this.growthInterval = growthInterval;
    }

    /** A scaler with PyTorch's defaults: 2^16, doubling after 2,000 finite steps. */
    public static LossScaler withDefaults() {
        return new LossScaler(DEFAULT_INITIAL_SCALE, DEFAULT_GROWTH_INTERVAL);
    }

    /** What the loss is multiplied by before the backward pass. */
    public float scale() {
        return scale;
    }

    /** Finite steps since the scale last changed. */
    public int finiteSteps() {
        return finiteSteps;
    }

    /** Divides every parameter's gradient by the scale, in place (an overflowed gradient stays non-finite). */
    public void unscale(Collection<NDArray> parameters) {
        try (NDScope scope = new NDScope()) {
            NDArray inverse = null;
            for (NDArray p : parameters) {
                NDArray g = p.getGradient();
                if (inverse == null) {
                    inverse = g.getManager().create(1f / scale);
                }
                g.muli(inverse);
            }
        }
    }

    /** Records a step's outcome: halves the scale after an overflow, doubles it after enough finite steps. */
    public void update(boolean finite) {
        if (!finite) {
            scale = Math.max(MIN_SCALE, scale * BACKOFF_FACTOR);
            finiteSteps = 0;
        } else if (++finiteSteps >= growthInterval) {
            float grown = scale * GROWTH_FACTOR;
            scale = Float.isFinite(grown) ? grown : scale;
            finiteSteps = 0;
        }
    }

    /** Restores the state saved in a checkpoint. */
    void restore(float savedScale, int savedFiniteSteps) {
        this.scale = Math.max(MIN_SCALE, savedScale);
        this.finiteSteps = Math.max(0, savedFiniteSteps);
    }
}
