package dev.flinkalbert.inference;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Extractive question answering ({@link ModelTask#QUESTION_ANSWERING}), with the defaults of Hugging Face's
 * {@code pipeline("question-answering")}. Inputs are {@link TextInput#question(String, String)}; long contexts are
 * cut into windows of {@code maxLength} tokens (default {@value #DEFAULT_MAX_LENGTH}).
 *
 * @param topK how many answers per question (default {@value #DEFAULT_TOP_K})
 * @param stride context tokens shared by consecutive windows (default {@value #DEFAULT_STRIDE})
 * @param maxAnswerLength longest answer in tokens (default {@value #DEFAULT_MAX_ANSWER_LENGTH})
 * @param handleImpossibleAnswer whether the empty answer competes, scored by {@code [CLS]} (SQuAD 2.0 models;
 *     default false)
 */
@PublicEvolving
public record AnswerSpec(int topK, int stride, int maxAnswerLength, boolean handleImpossibleAnswer)
        implements TaskSpec<AnswerPrediction> {

    /** The pipeline's {@code max_seq_len}: tokens per window. */
    public static final int DEFAULT_MAX_LENGTH = 384;
    /** The pipeline's {@code doc_stride}: context tokens shared by consecutive windows. */
    public static final int DEFAULT_STRIDE = 128;
    /** The pipeline's {@code max_answer_len}, in tokens. */
    public static final int DEFAULT_MAX_ANSWER_LENGTH = 15;
    /** The pipeline's {@code top_k}. */
    public static final int DEFAULT_TOP_K = 1;
    /**
     * The {@code start} and {@code end} written where there is no answer (none qualifies, or the empty answer won),
     * in every output: Avro, SQL and {@code predict}.
     */
    public static final int NO_ANSWER_OFFSET = -1;

    /** Every option at its default. */
    public static final AnswerSpec DEFAULTS =
            new AnswerSpec(DEFAULT_TOP_K, DEFAULT_STRIDE, DEFAULT_MAX_ANSWER_LENGTH, false);

    public AnswerSpec withTopK(int k) {
        return new AnswerSpec(k, stride, maxAnswerLength, handleImpossibleAnswer);
    }

    public AnswerSpec withStride(int tokens) {
        return new AnswerSpec(topK, tokens, maxAnswerLength, handleImpossibleAnswer);
    }

    public AnswerSpec withMaxAnswerLength(int tokens) {
        return new AnswerSpec(topK, stride, tokens, handleImpossibleAnswer);
    }

    public AnswerSpec withHandleImpossibleAnswer(boolean allow) {
        return new AnswerSpec(topK, stride, maxAnswerLength, allow);
    }

    @Override
    public ModelTask task() {
        return ModelTask.QUESTION_ANSWERING;
    }

    @Override
    public void check(List<String> problems) {
        if (topK < 1) {
            problems.add("topK must be at least 1, got " + topK);
        }
        if (maxAnswerLength < 1) {
            problems.add("maxAnswerLength must be at least 1, got " + maxAnswerLength);
        }
        if (stride < 0) {
            problems.add("stride must be at least 0, got " + stride);
        }
    }

    @Override
    public Answerer predictor(AlbertModel model, PredictorLimits limits) {
        TaskSpec.requireTask(model, task(), "an answerer");
        List<String> problems = new ArrayList<>();
        check(problems);
        limits.check(problems);
        int maxLength = limits.maxLength(model, DEFAULT_MAX_LENGTH, problems);
        if (stride >= 0 && stride >= maxLength) {
            problems.add("stride must be between 0 and maxLength " + maxLength + ", got " + stride);
        }
        TaskSpec.throwIfAny(problems);
        QuestionAnsweringDecoder decoder = new QuestionAnsweringDecoder(topK, maxAnswerLength, handleImpossibleAnswer,
                model.tokenizer().clsId());
        return new Answerer(model, decoder, stride, limits, maxLength);
    }

    /** Windows: an input is never truncated, so its cost is not capped. */
    @Override
    public long costCap(AlbertModel model, PredictorLimits limits) {
        return Long.MAX_VALUE;
    }

    /** The offset to write for {@code answer}: its own, or {@link #NO_ANSWER_OFFSET} for none or the empty answer. */
    public static int offset(Answer answer, boolean start) {
        if (answer == null || answer.isNoAnswer()) {
            return NO_ANSWER_OFFSET;
        }
        return start ? answer.start() : answer.end();
    }
}
