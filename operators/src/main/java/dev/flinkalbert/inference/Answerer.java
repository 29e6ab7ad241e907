package dev.flinkalbert.inference;

import dev.flinkalbert.tokenizer.Encoding;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Extractive question answering over contexts of any length, reproducing Hugging Face's
 * {@code pipeline("question-answering")} with a fast tokenizer: the context is cut into overlapping windows of
 * {@code [CLS] question [SEP] context-part [SEP]}, every window of every input of the call goes through the model
 * in shared sub-batches, and answers are picked as {@link QuestionAnsweringDecoder} describes, cut from the
 * original context by character offsets. Input: {@link TextInput#question(String, String)}.
 *
 * <p>Defaults are the pipeline's ({@link AnswerSpec}): max length 384, stride 128, max answer length 15 tokens, top 1,
 * no empty answer.
 * The pipeline's {@code max_question_len} (64) applies only to its slow-tokenizer path; like its fast path, a
 * question is never cut, and a question too long to leave room for context fails that input.
 *
 * <pre>{@code
 * try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
 *         Answerer answerer = model.answerer().topK(3).handleImpossibleAnswer(true).build()) {
 *     Answer best = answerer.predict(List.of(TextInput.question("Who?", context))).get(0).value().best();
 * }
 * }</pre>
 */
@PublicEvolving
public final class Answerer extends TokenizedPredictor<AnswerPrediction, Answerer.WindowLogits> {

    /** @deprecated the default is defined once, in {@link AnswerSpec#DEFAULT_MAX_LENGTH}. */
    @Deprecated
    public static final int DEFAULT_MAX_LENGTH = AnswerSpec.DEFAULT_MAX_LENGTH;
    /** @deprecated the default is defined once, in {@link AnswerSpec#DEFAULT_STRIDE}. */
    @Deprecated
    public static final int DEFAULT_STRIDE = AnswerSpec.DEFAULT_STRIDE;

    record WindowLogits(float[] start, float[] end) {}

    private final QuestionAnsweringDecoder decoder;
    private final int maxLength;
    private final int stride;

    /** The decoder is made before the lease is taken (in {@code super}): nothing after the lease throws. */
    Answerer(AlbertModel model, QuestionAnsweringDecoder decoder, int stride, PredictorLimits limits, int maxLength) {
        super(model, Set.of(ModelContract.START_LOGITS, ModelContract.END_LOGITS), limits.maxBatchSize(),
                limits.tokenBudget());
        this.decoder = decoder;
        this.maxLength = maxLength;
        this.stride = stride;
    }

    @Override
    List<Encoding> tokenize(TextInput input) {
        if (input.textPair() == null) {
            throw new IllegalArgumentException("the context is null: use TextInput.question(question, context)");
        }
        return tokenizer.encodeQuestionContext(input.text(), input.textPair(), maxLength, stride);
    }

    @Override
    WindowLogits read(EncoderOutputs outputs, int row) {
        return new WindowLogits(outputs.tokenScalars(ModelContract.START_LOGITS, row),
                outputs.tokenScalars(ModelContract.END_LOGITS, row));
    }

    @Override
    AnswerPrediction combine(TextInput input, List<Encoding> encodings, List<WindowLogits> read) {
        List<QuestionAnsweringDecoder.Window> windows = new ArrayList<>(encodings.size());
        for (int w = 0; w < encodings.size(); w++) {
            windows.add(QuestionAnsweringDecoder.Window.of(encodings.get(w), read.get(w).start(), read.get(w).end()));
        }
        return new AnswerPrediction(decoder.decode(input.textPair(), windows), windows.size());
    }

    /** Builds an {@link Answerer}; made by {@link AlbertModel#answerer()}. Options: {@link AnswerSpec}. */
    public static final class Builder extends PredictorBuilder<Builder, Answerer, AnswerSpec> {

        Builder(AlbertModel model) {
            super(model, AnswerSpec.DEFAULTS);
        }

        /** See {@link AnswerSpec#stride()}. */
        public Builder stride(int tokens) {
            return spec(spec.withStride(tokens));
        }

        /** See {@link AnswerSpec#maxAnswerLength()}. */
        public Builder maxAnswerLength(int tokens) {
            return spec(spec.withMaxAnswerLength(tokens));
        }

        /** See {@link AnswerSpec#topK()}. */
        public Builder topK(int k) {
            return spec(spec.withTopK(k));
        }

        /** See {@link AnswerSpec#handleImpossibleAnswer()}. */
        public Builder handleImpossibleAnswer(boolean allow) {
            return spec(spec.withHandleImpossibleAnswer(allow));
        }

        @Override
        public Answerer build() {
            return spec.predictor(model, limits);
        }
    }
}
