package dev.flinkalbert.model.training;

import ai.djl.ndarray.NDArray;
import dev.flinkalbert.model.AlbertModel;
import java.util.Map;

/** What a training run minimises for one batch type: pretraining (MLM + SOP), classification, span extraction. */
public interface Objective<B> {

    /** The loss of one batch, with named parts for the metrics (e.g. {@code mlm}, {@code sop}). */
    Loss loss(AlbertModel model, B batch, boolean training);

    /** Real (unpadded) tokens in a batch, for tokens per second. */
    long tokens(B batch);

    /** A scalar loss and its parts, all NDArrays of the current scope. */
    record Loss(NDArray total, Map<String, NDArray> parts) {}
}
