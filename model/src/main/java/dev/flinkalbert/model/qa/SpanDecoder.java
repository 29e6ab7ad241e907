package dev.flinkalbert.model.qa;

import dev.flinkalbert.tokenizer.Encoding;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;

/**
 * Picks each example's answer from its windows' logits as {@code transformers}' question-answering pipeline does
 * ({@code top_k=1}, {@code handle_impossible_answer=False}, {@code align_to_words=True}): per window, softmax over
 * the context tokens and [CLS] (other tokens masked), [CLS] then zeroed, the best (start, end) pair with
 * {@code end - start < maxAnswerLength} by {@code p(start)·p(end)}, widened to whole white-space-delimited words of
 * the context as far as the window's tokens reach; equal answers (ignoring case) from overlapping windows add their scores; the best answer wins.
 */
public final class SpanDecoder {

    public static final int DEFAULT_MAX_ANSWER_LENGTH = 15;

    /** An answer: text, its span in the context (Java string indices, UTF-16) and the pipeline's score. */
    public record Answer(String text, int start, int end, double score) {}

    private SpanDecoder() {}

    /** The best answer of every example of {@code data}, given {@link QaObjective#logits} of its features. */
    public static List<Answer> decode(QaData data, List<float[][]> logits, int maxAnswerLength) {
        List<Answer> best = new ArrayList<>();
        for (List<Answer> ranked : rank(data, logits, maxAnswerLength, 1)) {
            best.add(ranked.isEmpty() ? new Answer("", 0, 0, 0) : ranked.get(0));
        }
        return best;
    }

    /**
     * Every example's answers, best first: the {@code topK} best spans of each window, widened to words; equal
     * answers (ignoring case) add their scores, the first keeping its position, as the pipeline merges them.
     */
    public static List<List<Answer>> rank(QaData data, List<float[][]> logits, int maxAnswerLength, int topK) {
        List<List<Answer>> candidates = new ArrayList<>();
        for (int i = 0; i < data.examples().size(); i++) {
            candidates.add(new ArrayList<>());
        }
        for (int f = 0; f < data.features().size(); f++) {
            QaData.Feature feature = data.features().get(f);
            String context = data.examples().get(feature.example()).context();
            List<Answer> list = candidates.get(feature.example());
            for (Answer a : window(feature.encoding(), logits.get(f), context, maxAnswerLength, topK)) {
                int same = -1;
                for (int k = 0; k < list.size() && same < 0; k++) {
                    same = list.get(k).text().toLowerCase(Locale.ROOT).equals(a.text().toLowerCase(Locale.ROOT)) ? k : -1;
                }
                if (same >= 0) {
                    Answer first = list.get(same);
                    list.set(same, new Answer(first.text(), first.start(), first.end(), first.score() + a.score()));
                } else {
                    list.add(a);
                }
            }
        }
        for (List<Answer> list : candidates) {
            list.sort(Comparator.comparingDouble(Answer::score).reversed());
        }
        return candidates;
    }

    private static List<Answer> window(Encoding e, float[][] logits, String context, int maxAnswerLength, int topK) {
        int[] seq = e.sequenceIds();
        int n = seq.length;
        boolean[] allowed = new boolean[n];
        for (int i = 0; i < n; i++) {
            allowed[i] = seq[i] == 1;
        }
        double[] start = probabilities(logits[0], allowed);
        double[] end = probabilities(logits[1], allowed);
        // best spans by score, highest first; ties keep the pipeline's row-major order
        PriorityQueue<double[]> top = new PriorityQueue<>(Comparator.comparingDouble((double[] c) -> c[0]));
        for (int s = 0; s < n; s++) {
            if (!allowed[s]) {
                continue;
            }
            for (int t = s; t < Math.min(n, s + maxAnswerLength); t++) {
                if (allowed[t]) {
                    top.add(new double[] {start[s] * end[t], s, t});
                    if (top.size() > topK) {
                        top.poll();
                    }
                }
            }
        }
        List<double[]> spans = new ArrayList<>(top);
        spans.sort(Comparator.comparingDouble((double[] c) -> c[0]).reversed());
        List<Answer> out = new ArrayList<>();
        int[] chunk = chunks(e, context);
        for (double[] span : spans) {
            // HF widens to its words, and only over the tokens this window holds: a word cut by the window edge
            // is widened to the edge
            int first = (int) span[1];
            while (first > 0 && allowed[first - 1] && chunk[first - 1] == chunk[(int) span[1]]) {
                first--;
            }
            int last = (int) span[2];
            while (last + 1 < n && allowed[last + 1] && chunk[last + 1] == chunk[(int) span[2]]) {
                last++;
            }
            int from = e.starts()[first];
            int to = e.ends()[last];
            out.add(new Answer(context.substring(from, to), from, to, span[0]));
        }
        return out;
    }

    /** For each token, which white-space-delimited word of the context its first character lies in. */
    private static int[] chunks(Encoding e, String context) {
        int[] out = new int[e.length()];
        int word = 0;
        int at = 0;
        for (int t = 0; t < out.length; t++) {
            if (e.sequenceIds()[t] != 1) {
                out[t] = -1;
                continue;
            }
            int start = Math.min(e.starts()[t], context.length());
            for (; at < start; at++) {
                if (Character.isWhitespace(context.charAt(at)) && at + 1 < context.length()
                        && !Character.isWhitespace(context.charAt(at + 1))) {
                    word++;
                }
            }
            out[t] = word;
        }
        return out;
    }

    /** Softmax over allowed tokens and [CLS] (index 0), the others at -10000 as the pipeline masks them. */
    private static double[] probabilities(float[] logits, boolean[] allowed) {
        double[] x = new double[logits.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            x[i] = allowed[i] || i == 0 ? logits[i] : -10000.0;
            max = Math.max(max, x[i]);
        }
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < x.length; i++) {
            x[i] /= sum;
        }
        x[0] = 0;
        return x;
    }
}
