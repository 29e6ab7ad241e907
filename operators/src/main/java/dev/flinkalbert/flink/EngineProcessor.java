package dev.flinkalbert.flink;

import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.AlbertPredictor;
import dev.flinkalbert.inference.InferenceException;
import dev.flinkalbert.inference.Outcome;
import dev.flinkalbert.inference.TextInput;

import java.util.List;

/**
 * The {@link BatchProcessor} an {@link AlbertTask} creates: one predictor (with its reusable buffers) on the shared
 * session, owned with the model lease it came from.
 */
final class EngineProcessor<OUT> implements BatchProcessor<TextInput, OUT> {

    /** {@code [CLS]} and two {@code [SEP]}s. */
    private static final int SPECIAL_TOKENS = 3;

    private final AlbertModel model;
    private final AlbertPredictor<OUT> predictor;
    private final long costCap;

    EngineProcessor(AlbertModel model, AlbertPredictor<OUT> predictor, long costCap) {
        this.model = model;
        this.predictor = predictor;
        this.costCap = costCap;
    }

    @Override
    public List<Outcome<OUT>> process(List<TextInput> batch) {
        return predictor.predict(batch);
    }

    /** Tokenizes here; the run calls the engine (the session's device: CPU or CUDA alike) and the head. */
    @Override
    public PreparedBatch<OUT> prepare(List<TextInput> batch) {
        AlbertPredictor.Prepared<OUT> prepared = predictor.prepare(batch);
        return prepared::run;
    }

    /** An estimate of the input's tokens; a null input costs 1 and fails in {@link #process}. */
    @Override
    public long cost(TextInput input) {
        if (input == null || input.text() == null) {
            return 1;
        }
        long chars = input.text().length() + (input.textPair() == null ? 0 : input.textPair().length());
        return Math.min(costCap, SPECIAL_TOKENS + (chars + AlbertTask.CHARS_PER_TOKEN_ESTIMATE - 1)
                / AlbertTask.CHARS_PER_TOKEN_ESTIMATE);
    }

    @Override
    public double paddingRatio() {
        return predictor.paddingRatio();
    }

    /** ONNX Runtime failures are the model's; the predictor fails an input alone only when it cannot tokenize it. */
    @Override
    public FailureStage failureStage(Exception error) {
        return error instanceof InferenceException ? FailureStage.INFERENCE : FailureStage.TOKENIZE;
    }

    @Override
    public void close() {
        try {
            predictor.close();
        } finally {
            model.close();
        }
    }
}
