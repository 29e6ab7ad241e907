package dev.flinkalbert.inference;

import org.apache.flink.annotation.PublicEvolving;

/** What an ALBERT ONNX model computes, recognised from the names of its outputs. */
@PublicEvolving
public enum ModelTask {
    /** {@code last_hidden_state [batch, sequence, hidden]}, optionally {@code pooler_output [batch, hidden]}. */
    EMBEDDINGS,
    /** {@code logits [batch, num_labels]}. */
    CLASSIFICATION,
    /** {@code start_logits} and {@code end_logits}, both {@code [batch, sequence]}. */
    QUESTION_ANSWERING
}
