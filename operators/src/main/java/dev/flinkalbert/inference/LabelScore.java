package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;

/**
 * One class and its score.
 *
 * @param label the class name from {@code id2label}
 * @param index the class index (the logits column)
 * @param score its probability: softmax over the classes, or a sigmoid for multi-label models
 */
@PublicEvolving
public record LabelScore(String label, int index, float score) {}
