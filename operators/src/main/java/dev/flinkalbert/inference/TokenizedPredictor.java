package dev.flinkalbert.inference;

import ai.onnxruntime.OrtException;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import dev.flinkalbert.tokenizer.Encoding;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The common path of every predictor: text → tokens (per input, failures kept per input), all sequences of the
 * call through one {@link AlbertEncoder#encode} (sorted, padded, sub-batched), then the task's head per input.
 *
 * @param <T> the result of one input
 * @param <R> what the head reads from one sequence's outputs
 */
abstract class TokenizedPredictor<T, R> implements AlbertPredictor<T> {

    final AlbertTokenizer tokenizer;
    private final AlbertEncoder encoder;

    /**
     * Takes a lease on the model's session (in the encoder), as the last thing that can fail: a subclass makes
     * everything else that may throw (its head, its decoder) before calling this, and only assigns fields after it,
     * so that a constructor that throws never leaves a lease behind.
     */
    TokenizedPredictor(AlbertModel model, Set<String> outputs, int maxBatchSize, int tokenBudget) {
        this.tokenizer = model.tokenizer();
        this.encoder = model.encoder(outputs, maxBatchSize, tokenBudget); // closes the lease itself when it throws
    }

    /** The sequences of one input (one, or a QA input's windows); may throw for this input. */
    abstract List<Encoding> tokenize(TextInput input);

    /** What the head needs from one sequence, read while the sub-batch's outputs are live. */
    abstract R read(EncoderOutputs outputs, int row);

    /** The input's result from its sequences and what was read from each. */
    abstract T combine(TextInput input, List<Encoding> encodings, List<R> read);

    @Override
    public List<Outcome<T>> predict(List<TextInput> inputs) {
        return prepare(inputs).run();
    }

    /** Tokenizes here (the tokenizer is thread-safe); the run encodes with this predictor's encoder and buffers. */
    @Override
    public Prepared<T> prepare(List<TextInput> inputs) {
        List<List<Encoding>> encoded = new ArrayList<>(inputs.size());
        List<Exception> failures = new ArrayList<>(inputs.size());
        List<EncodedRow> rows = new ArrayList<>(inputs.size());
        for (TextInput input : inputs) {
            try {
                if (input == null || input.text() == null) {
                    throw new IllegalArgumentException("the input text is null");
                }
                List<Encoding> sequences = tokenize(input);
                encoded.add(sequences);
                failures.add(null);
                for (Encoding e : sequences) {
                    rows.add(new EncodedRow(e.ids(), e.typeIds()));
                }
            } catch (RuntimeException e) {
                encoded.add(List.of());
                failures.add(e);
            }
        }
        return () -> run(inputs, encoded, failures, rows);
    }

    private List<Outcome<T>> run(List<TextInput> inputs, List<List<Encoding>> encoded, List<Exception> failures,
            List<EncodedRow> rows) {
        List<R> read;
        try {
            read = encoder.encode(rows, this::read);
        } catch (OrtException e) {
            throw new InferenceException("ONNX Runtime failed on " + rows.size() + " sequences of " + inputs.size()
                    + " inputs: " + e.getMessage(), e);
        }
        List<Outcome<T>> outcomes = new ArrayList<>(inputs.size());
        int next = 0;
        for (int i = 0; i < inputs.size(); i++) {
            if (failures.get(i) != null) {
                outcomes.add(Outcome.failure(failures.get(i)));
                continue;
            }
            List<Encoding> sequences = encoded.get(i);
            List<R> mine = read.subList(next, next + sequences.size());
            next += sequences.size();
            try {
                outcomes.add(Outcome.success(combine(inputs.get(i), sequences, mine)));
            } catch (RuntimeException e) {
                outcomes.add(Outcome.failure(new InferenceException("reading the model's outputs for input " + i
                        + " failed: " + e.getMessage(), e)));
            }
        }
        return outcomes;
    }

    @Override
    public double paddingRatio() {
        return encoder.paddingRatio();
    }

    @Override
    public void close() {
        encoder.close();
    }
}
