package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;

/** How a sentence embedding is taken from the encoder's outputs. */
@PublicEvolving
public enum Pooling {
    /** {@code pooler_output}: {@code tanh(dense(hidden[CLS]))}, the vector ALBERT's classifier reads. */
    POOLER,
    /** The last hidden state of the first token ({@code [CLS]}). */
    CLS,
    /** The mean of the last hidden states over the real tokens (the attention mask), as sentence-transformers do. */
    MEAN
}
