package dev.flinkalbert.model.pretraining;

/**
 * A right-padded pretraining batch as flat row-major arrays: inputs {@code [batch, length]}, the masked positions
 * as flat indices {@code row * length + column} with their original ids, and one SOP label per row.
 */
public record PretrainingBatch(int batch, int length, long[] inputIds, long[] attentionMask, long[] tokenTypeIds,
        long[] maskedPositions, long[] maskedLabels, long[] sentenceOrderLabels, long realTokens) {}
