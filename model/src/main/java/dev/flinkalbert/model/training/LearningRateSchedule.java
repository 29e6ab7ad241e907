package dev.flinkalbert.model.training;

/**
 * Linear warm-up from 0 to the peak rate over {@code warmupSteps}, then linear decay to 0 at {@code totalSteps}
 * (BERT's and ALBERT's schedule; {@code transformers}' {@code get_linear_schedule_with_warmup}).
 */
public record LearningRateSchedule(float peak, long warmupSteps, long totalSteps) {

    public LearningRateSchedule {
        if (peak <= 0 || warmupSteps < 0 || totalSteps <= 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("learning rate schedule needs peak > 0 and 0 <= warm-up (" + warmupSteps
                    + ") <= total steps (" + totalSteps + ")");
        }
    }

    /** The rate for the update with 0-based index {@code step}. */
    public float at(long step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        long remaining = totalSteps - step;
        long decaySteps = Math.max(1, totalSteps - warmupSteps);
        return Math.max(0f, peak * remaining / decaySteps);
    }
}
