package dev.flinkalbert.model.training;

import java.util.Map;

/**
 * What one optimizer update measured: mean loss over its micro-batches (and the loss parts), the learning rate,
 * the gradient norm before clipping, tokens seen and wall time.
 */
public record StepMetrics(long step, long totalSteps, double loss, Map<String, Double> parts, double learningRate,
        double gradientNorm, long tokens, double seconds) {

    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : 0;
    }
}
