package dev.flinkalbert.model.training;

/**
 * Training batches by index: the same index always gives the same batch, so a resumed run sees exactly the
 * batches the interrupted one would have seen.
 */
@FunctionalInterface
public interface BatchSource<B> {

    /** The micro-batch with 0-based index {@code index} (epochs wrap around inside). */
    B batch(long index);
}
