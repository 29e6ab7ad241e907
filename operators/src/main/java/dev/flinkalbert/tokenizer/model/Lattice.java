package dev.flinkalbert.tokenizer.model;

import org.apache.flink.annotation.Internal;

/** The Viterbi scratch of {@link Unigram}: best path score, start and piece per end position. One per thread. */
@Internal
public final class Lattice {

    float[] score = new float[256];
    int[] start = new int[256];
    int[] id = new int[256];

    void ensure(int positions) {
        if (positions > score.length) {
            int c = Math.max(positions, score.length * 2);
            score = new float[c];
            start = new int[c];
            id = new int[c];
        }
    }

    public int capacity() {
        return score.length;
    }
}
