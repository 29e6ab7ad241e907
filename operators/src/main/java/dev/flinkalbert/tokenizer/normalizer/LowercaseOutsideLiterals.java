package dev.flinkalbert.tokenizer.normalizer;

import dev.flinkalbert.tokenizer.pretokenizer.SpecialLiterals;
import org.apache.flink.annotation.Internal;

/**
 * The slow tokenizer's {@code do_lower_case} pre-pass: Python {@code str.lower()} one code point at a time (no
 * final-sigma context; U+0130 becomes two code points), leaving occurrences of the special literals untouched.
 */
@Internal
public final class LowercaseOutsideLiterals implements Normalizer {

    private final UnicodeTables tables;
    private final SpecialLiterals literals;

    public LowercaseOutsideLiterals(UnicodeTables tables, SpecialLiterals literals) {
        this.tables = tables;
        this.literals = literals;
    }

    @Override
    public void normalize(AlignedText in, int from, int to, AlignedText out) {
        out.reserve(to - from);
        UnicodeTables.CodePointMapping lower = tables.lower();
        for (int i = from; i < to; ) {
            int literal = literals.matchAt(in, i, to);
            if (literal >= 0) {
                for (int end = i + literals.length(literal); i < end; i++) {
                    out.append(in.codePoint(i), in.start(i), in.end(i));
                }
                continue;
            }
            int cp = in.codePoint(i);
            if (cp < 0x80) {
                out.append(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp, in.start(i), in.end(i));
            } else {
                int entry = lower.entry(cp);
                if (entry == 0) {
                    out.append(cp, in.start(i), in.end(i));
                } else {
                    for (int k = 0, n = UnicodeTables.CodePointMapping.length(entry); k < n; k++) {
                        out.append(lower.codePoint(entry, k), in.start(i), in.end(i));
                    }
                }
            }
            i++;
        }
    }
}
