package dev.flinkalbert.model.qa;

/** A right-padded batch of question/context windows with the answer's start and end token ([CLS] 0: no answer). */
public record QaBatch(int batch, int length, long[] inputIds, long[] attentionMask, long[] tokenTypeIds,
        long[] startPositions, long[] endPositions, long realTokens) {}
