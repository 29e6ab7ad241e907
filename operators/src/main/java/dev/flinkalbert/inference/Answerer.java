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
 * <p>Defaults are the pipeline's: max length 384, stride 128, max answer length 15 tokens, top 1, no empty answer.
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

    /** The pipeline's {@code max_seq_len}: tokens per window. */
    public static final int DEFAULT_MAX_LENGTH = 384;
    /** The pipeline's {@code doc_stride}: context tokens shared by consecutive windows. */
    public static final int DEFAULT_STRIDE = 128;
    /** The pipeline's {@code max_answer_len}, in tokens. */
    public static final int DEFAULT_MAX_ANSWER_LENGTH = 15;
    /** The pipeline's {@code top_k}. */
    public static final int DEFAULT_TOP_K = 1;

    record WindowLogits(float[] start, float[] end) {}

    private final QuestionAnsweringDecoder decoder;
    private final int maxLength;
    private final int stride;

    private Answerer(Builder b, QuestionAnsweringDecoder decoder) {
        // the lease comes last: nothing after it throws
        super(b.model, Set.of(ModelContract.START_LOGITS, ModelContract.END_LOGITS), b.maxBatchSize, b.tokenBudget);
        this.decoder = decoder;
        this.maxLength = b.maxLength;
        this.stride = b.stride;
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

    /** Builds an {@link Answerer}; made by {@link AlbertModel#answerer()}. */
    public static final class Builder extends PredictorBuilder<Builder, Answerer> {
        private int maxLength = DEFAULT_MAX_LENGTH;
        private int stride = DEFAULT_STRIDE;
        private int maxAnswerLength = DEFAULT_MAX_ANSWER_LENGTH;
        private int topK = DEFAULT_TOP_K;
        private boolean handleImpossibleAnswer;

        Builder(AlbertModel model) {
            super(model);
        }

        /** Tokens per window, question and specials included (default 384, capped by max_position_embeddings). */
        public Builder maxLength(int tokens) {
            this.maxLength = tokens;
            return this;
        }

        /** Context tokens shared by consecutive windows (default 128). */
        public Builder stride(int tokens) {
            this.stride = tokens;
            return this;
        }

        /** Longest answer in tokens (default 15). */
        public Builder maxAnswerLength(int tokens) {
            this.maxAnswerLength = tokens;
            return this;
        }

        /** How many answers to return (default 1). */
        public Builder topK(int k) {
            this.topK = k;
            return this;
        }

        /** Whether the empty answer competes, scored by {@code [CLS]} (SQuAD 2.0 models; default false). */
        public Builder handleImpossibleAnswer(boolean allow) {
            this.handleImpossibleAnswer = allow;
            return this;
        }

        @Override
        public Answerer build() {
            requireTask(ModelTask.QUESTION_ANSWERING, "an answerer");
            checkMaxLength(maxLength, "maxLength");
            if (stride < 0 || stride >= maxLength) {
                throw new IllegalArgumentException("stride must be between 0 and maxLength " + maxLength + ", got "
                        + stride);
            }
            if (topK < 1 || maxAnswerLength < 1) {
                throw new IllegalArgumentException("topK and maxAnswerLength must be at least 1, got " + topK
                        + " and " + maxAnswerLength);
            }
            return new Answerer(this, new QuestionAnsweringDecoder(topK, maxAnswerLength, handleImpossibleAnswer,
                    model.tokenizer().clsId()));
        }
    }
}
