package dev.flinkalbert.inference;

import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Turns a batch of texts into one result per text, in input order: tokenization, length-sorted padded sub-batches
 * through the shared ONNX Runtime session, then the task's head. Made by {@link AlbertModel#classifier()},
 * {@link AlbertModel#embedder()} or {@link AlbertModel#answerer()}.
 *
 * <p>Thread-confined: each operator instance (thread) builds its own predictor, which owns its reusable buffers;
 * the session underneath is shared and stays open until the last predictor, encoder and model on it close.
 *
 * <pre>{@code
 * try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
 *         AlbertPredictor<ClassificationPrediction> classifier = model.classifier().topK(3).build()) {
 *     for (Outcome<ClassificationPrediction> outcome : classifier.predict(List.of(TextInput.of("great film")))) {
 *         if (outcome.isSuccess()) {
 *             System.out.println(outcome.value().label());
 *         } else {
 *             deadLetter(outcome.error());
 *         }
 *     }
 * }
 * }</pre>
 *
 * @param <T> the result of one input
 */
@PublicEvolving
public interface AlbertPredictor<T> extends AutoCloseable {

    /**
     * One outcome per input, in input order. An input that cannot be tokenized (a null text, a tokenizer error)
     * gives a failure outcome with that exception; one whose outputs cannot be read gives a failure with an
     * {@link InferenceException}; the others are unaffected.
     *
     * @throws InferenceException when ONNX Runtime fails on the batch as a whole
     */
    List<Outcome<T>> predict(List<TextInput> inputs);

    /**
     * {@link #predict} in two steps for a pipeline: this call does the per-input work (tokenization) on the calling
     * thread and returns the rest, the engine run and the heads, to be done later on one other thread, so that the
     * next batch can be tokenized while this one is in ONNX Runtime (or on a GPU). The returned run uses this
     * predictor's buffers: run prepared batches one at a time, on one thread. By default the whole prediction is
     * left to the run.
     *
     * @return the batch's outcomes when run, as {@link #predict} returns them and throwing what it throws
     */
    default Prepared<T> prepare(List<TextInput> inputs) {
        return () -> predict(inputs);
    }

    /** A batch whose per-input work is done: what is left of {@link #predict}. */
    @FunctionalInterface
    @PublicEvolving
    interface Prepared<T> {
        List<Outcome<T>> run();
    }

    /**
     * The share of padding among the tokens the last {@link #predict} call fed to ONNX Runtime (NaN before the first
     * call): what length-sorted sub-batching could not avoid.
     */
    double paddingRatio();

    /** Releases this predictor's hold on the shared session. */
    @Override
    void close();
}
