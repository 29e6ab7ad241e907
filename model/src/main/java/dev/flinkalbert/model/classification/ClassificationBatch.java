package dev.flinkalbert.model.classification;

/** A right-padded classification batch, row-major {@code [batch, length]}, with one class id per row. */
public record ClassificationBatch(int batch, int length, long[] inputIds, long[] attentionMask, long[] tokenTypeIds,
        long[] labels, long realTokens) {}
