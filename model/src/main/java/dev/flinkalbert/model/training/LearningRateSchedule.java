package dev.flinkalbert.model.training;

/**
 * Linear warm-up from 0 to the peak rate over {@code warmupSteps}, then linear decay to 0 at {@code totalSteps}:
 * {@code transformers}' {@code get_linear_schedule_with_warmup}, step for step. The update with 0-based index
 * {@code s} uses {@code peak * s / warmup} while {@code s < warmup}, else {@code peak * (total - s) / (total -
 * warmup)}; so the first update of a run with warm-up uses rate 0 (it still moves AdamW's moments), exactly as a
 * transformers run whose scheduler steps after the optimizer.
 *
 * <p>Rates are doubles computed in the order Python computes them ({@code base_lr * lambda}), so that a replay of a
 * recorded transformers run reports the very same rates.
 */
public record LearningRateSchedule(double peak, long warmupSteps, long totalSteps) {

    public LearningRateSchedule {
        if (!(peak > 0) || warmupSteps < 0 || totalSteps <= 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("learning rate schedule needs peak > 0 and 0 <= warm-up (" + warmupSteps
                    + ") <= total steps (" + totalSteps + ")");
        }
    }

    /** The rate for the update with 0-based index {@code step}. */
    public double at(long step) {
        double factor;
        if (step < warmupSteps) {
            factor = (double) step / Math.max(1, warmupSteps);
        } else {
            factor = Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
        }
        return peak * factor;
    }
}
