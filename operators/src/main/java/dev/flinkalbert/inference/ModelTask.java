package dev.flinkalbert.inference;

/** What an ALBERT ONNX model computes, recognised from the names of its outputs. */
public enum ModelTask {
    /** {@code last_hidden_state [batch, sequence, hidden]}, optionally {@code pooler_output [batch, hidden]}. */
    EMBEDDINGS,
    /** {@code logits [batch, num_labels]}. */
    CLASSIFICATION,
    /** {@code start_logits} and {@code end_logits}, both {@code [batch, sequence]}. */
    QUESTION_ANSWERING,
    /** {@code logits [batch, sequence, num_labels]}: a label per token (named entities). */
    TOKEN_CLASSIFICATION
}
