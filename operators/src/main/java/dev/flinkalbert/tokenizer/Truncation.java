package dev.flinkalbert.tokenizer;

import org.apache.flink.annotation.PublicEvolving;

/** How a pair that does not fit {@code max_length} is shortened (transformers' slow-tokenizer rules). */
@PublicEvolving
public enum Truncation {
    /** Take tokens from the longer sequence first, then from both (slow rule for odd counts: see the doc). */
    LONGEST_FIRST,
    /** Take tokens from the first sequence only; if it is too short, nothing is truncated (as the reference). */
    ONLY_FIRST,
    /** Take tokens from the second sequence only; if it is too short, nothing is truncated (as the reference). */
    ONLY_SECOND
}
