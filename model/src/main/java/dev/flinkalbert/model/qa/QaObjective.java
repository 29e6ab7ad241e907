package dev.flinkalbert.model.qa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.flinkalbert.inference.Answer;
import dev.flinkalbert.inference.QuestionAnsweringDecoder;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.training.Losses;
import dev.flinkalbert.model.training.Objective;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Extractive QA's loss, (CE(start) + CE(end)) / 2 as in transformers, and the span logits of windows. */
public final class QaObjective implements Objective<QaBatch> {

    @Override
    public Loss loss(AlbertModel model, QaBatch batch, boolean training) {
        NDManager m = model.manager();
        NDArray spans = spans(model, batch, training);
        NDArray start = Losses.crossEntropy(spans.get(":, :, 0"), m.create(batch.startPositions()));
        NDArray end = Losses.crossEntropy(spans.get(":, :, 1"), m.create(batch.endPositions()));
        return new Loss(start.add(end).div(m.create(2f)), Map.of());
    }

    @Override
    public long tokens(QaBatch batch) {
        return batch.realTokens();
    }

    private static NDArray spans(AlbertModel model, QaBatch batch, boolean training) {
        NDManager m = model.manager();
        Shape shape = new Shape(batch.batch(), batch.length());
        AlbertModel.Encoded enc = model.encode(m.create(batch.inputIds(), shape), m.create(batch.attentionMask(), shape),
                m.create(batch.tokenTypeIds(), shape), training);
        return model.spanLogits(enc.sequenceOutput());
    }

    /** SQuAD exact match and F1 of the model's best answers (see {@link #answers}) against the gold answers. */
    public static SquadMetrics.Score evaluate(AlbertModel model, QaData data, int maxAnswerLength) {
        List<String> predicted = answers(model, data, maxAnswerLength).stream().map(Answer::text).toList();
        List<List<String>> gold = data.examples().stream()
                .map(e -> e.answers().stream().map(SquadExample.Answer::text).toList()).toList();
        return SquadMetrics.score(predicted, gold);
    }

    /**
     * Each example's best answer, picked from the logits of its windows as transformers' question-answering
     * pipeline does (top 1, no empty answer) by the operators' {@link QuestionAnsweringDecoder}, the decoder that
     * serves the exported model; an example without any candidate span gets the empty answer.
     */
    public static List<Answer> answers(AlbertModel model, QaData data, int maxAnswerLength) {
        List<float[][]> logits = logits(model, data);
        List<List<QuestionAnsweringDecoder.Window>> windows = new ArrayList<>();
        data.examples().forEach(e -> windows.add(new ArrayList<>()));
        for (int f = 0; f < logits.size(); f++) {
            QaData.Feature feature = data.features().get(f);
            windows.get(feature.example()).add(
                    QuestionAnsweringDecoder.Window.of(feature.encoding(), logits.get(f)[0], logits.get(f)[1]));
        }
        QuestionAnsweringDecoder decoder = new QuestionAnsweringDecoder(1, maxAnswerLength, false, data.clsId());
        List<Answer> best = new ArrayList<>();
        for (int x = 0; x < windows.size(); x++) {
            List<Answer> ranked = decoder.decode(data.examples().get(x).context(), windows.get(x));
            best.add(ranked.isEmpty() ? new Answer("", 0, 0, 0) : ranked.get(0));
        }
        return best;
    }

    /** Start and end logits of every feature, in order: {@code [feature][0: start, 1: end][token]} (unpadded). */
    public static List<float[][]> logits(AlbertModel model, QaData data) {
        List<float[][]> out = new ArrayList<>();
        int at = 0;
        for (QaBatch b : data.inOrder()) {
            try (NDScope scope = new NDScope()) {
                float[] values = spans(model, b, false).toFloatArray();
                for (int r = 0; r < b.batch(); r++) {
                    int n = data.features().get(at++).encoding().length();
                    float[][] row = new float[2][n];
                    for (int i = 0; i < n; i++) {
                        row[0][i] = values[(r * b.length() + i) * 2];
                        row[1][i] = values[(r * b.length() + i) * 2 + 1];
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }
}
