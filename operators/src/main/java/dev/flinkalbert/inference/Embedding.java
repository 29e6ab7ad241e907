package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A sentence embedding.
 *
 * @param vector the pooled vector ({@code hidden_size} floats), L2-normalised if the embedder was asked to
 * @param tokens how many tokens the input had after truncation, {@code [CLS]} and {@code [SEP]} included
 */
@PublicEvolving
public record Embedding(float[] vector, int tokens) {}
