package dev.flinkalbert.tokenizer.normalizer;

import org.apache.flink.annotation.Internal;

/**
 * One code-point normalisation stage: reads {@code input[from, to)} and appends the result, with each output
 * code point's original span, to {@code output} (which it does not clear). Implementations are immutable and
 * thread-safe.
 */
@Internal
public interface Normalizer {

    void normalize(AlignedText input, int from, int to, AlignedText output);
}
