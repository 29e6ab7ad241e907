package dev.flinkalbert.inference;

import dev.flinkalbert.tokenizer.Encoding;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import org.apache.flink.annotation.Internal;

/**
 * Picks answer spans from start/end logits exactly as Hugging Face's {@code QuestionAnsweringPipeline}
 * ({@code transformers} 4.57, fast tokenizer path) does:
 * <ol>
 *   <li>per window, logits of tokens outside the context (question, {@code [SEP]}, padding) are set to −10000
 *       ({@code [CLS]} stays in, for the no-answer option), then softmax separately over start and end;</li>
 *   <li>the null score {@code p_start[CLS] × p_end[CLS]} is kept (minimum over windows), then {@code [CLS]} is
 *       zeroed;</li>
 *   <li>span scores {@code p_start[s] × p_end[e]} for {@code s ≤ e < s + maxAnswerLength}; the best
 *       {@code 2·topK + 10} spans whose both ends lie in the context are kept;</li>
 *   <li>each span is widened to whole words (whitespace-separated, as the ALBERT tokenizer's pre-tokenizer splits)
 *       and cut from the original context by character offsets;</li>
 *   <li>answers with equal text (ignoring case) are merged across spans and windows by summing their scores;</li>
 *   <li>with {@code handleImpossibleAnswer} the empty answer scores the null score; the best {@code topK} are
 *       returned.</li>
 * </ol>
 * Probabilities are computed in float32 as numpy does for the pipeline.
 *
 * <p>{@link Answerer} decodes with it; it is public for code that computes the logits itself, such as evaluation
 * during training:
 *
 * <pre>{@code
 * QuestionAnsweringDecoder decoder = new QuestionAnsweringDecoder(1, 15, false, tokenizer.clsId());
 * List<QuestionAnsweringDecoder.Window> windows = new ArrayList<>();
 * for (int w = 0; w < encodings.size(); w++) {   // tokenizer.encodeQuestionContext(question, context, 384, 128)
 *     windows.add(QuestionAnsweringDecoder.Window.of(encodings.get(w), startLogits[w], endLogits[w]));
 * }
 * Answer best = decoder.decode(context, windows).get(0);
 * }</pre>
 */
@Internal
public final class QuestionAnsweringDecoder {

    /** The pipeline's masking value for logits outside the context. */
    private static final float MASKED_LOGIT = -10000f;

    /**
     * One window of a (question, context) pair as the model saw it.
     *
     * @param ids token ids
     * @param sequenceIds per token: -1 special, 0 question, 1 context
     * @param starts per token: first character in the context (context tokens only)
     * @param ends per token: one past the last character in the context (context tokens only)
     * @param startLogits the model's start logits
     * @param endLogits the model's end logits
     */
    public record Window(int[] ids, int[] sequenceIds, int[] starts, int[] ends, float[] startLogits,
            float[] endLogits) {

        /** A window from its encoding and the model's logits for it (unpadded: one per token of the encoding). */
        public static Window of(Encoding encoding, float[] startLogits, float[] endLogits) {
            return new Window(encoding.ids(), encoding.sequenceIds(), encoding.starts(), encoding.ends(), startLogits,
                    endLogits);
        }
    }

    private record Span(int start, int end, float score) {}

    private final int topK;
    private final int maxAnswerLength;
    private final boolean handleImpossibleAnswer;
    private final int clsId;

    /**
     * @param topK answers returned per context (the pipeline's {@code top_k})
     * @param maxAnswerLength longest answer in tokens (the pipeline's {@code max_answer_len}, 15 by default)
     * @param handleImpossibleAnswer whether the empty answer competes, scored by the [CLS] span
     * @param clsId the tokenizer's [CLS] id ({@code AlbertTokenizer.clsId()}), kept in the softmax as the pipeline
     *     does
     */
    public QuestionAnsweringDecoder(int topK, int maxAnswerLength, boolean handleImpossibleAnswer, int clsId) {
        if (topK < 1 || maxAnswerLength < 1) {
            throw new IllegalArgumentException("topK and maxAnswerLength must be at least 1, got " + topK + " and "
                    + maxAnswerLength);
        }
        this.topK = topK;
        this.maxAnswerLength = maxAnswerLength;
        this.handleImpossibleAnswer = handleImpossibleAnswer;
        this.clsId = clsId;
    }

    /** The best {@code topK} answers of one context from the logits of all its windows, best first. */
    public List<Answer> decode(String context, List<Window> windows) {
        List<Answer> ranked = rank(context, windows);
        return List.copyOf(ranked.subList(0, Math.min(topK, ranked.size())));
    }

    /** Every candidate answer after merging, best first: what the pipeline sorts before cutting to top_k. */
    List<Answer> rank(String context, List<Window> windows) {
        int[] wordAt = wordAt(context);
        List<Answer> answers = new ArrayList<>();
        double minNullScore = 1_000_000;
        for (Window window : windows) {
            int n = window.ids().length;
            boolean[] allowed = new boolean[n];
            for (int i = 0; i < n; i++) {
                allowed[i] = window.sequenceIds()[i] == 1 || window.ids()[i] == clsId;
            }
            float[] start = maskedSoftmax(window.startLogits(), allowed);
            float[] end = maskedSoftmax(window.endLogits(), allowed);
            if (handleImpossibleAnswer) {
                minNullScore = Math.min(minNullScore, start[0] * end[0]);
            }
            start[0] = 0f;
            end[0] = 0f;
            for (Span span : bestSpans(start, end, allowed, 2 * topK + 10)) {
                int[] chars = characters(context, wordAt, window, span);
                String text = context.substring(chars[0], Math.max(chars[0], chars[1]));
                Answer same = find(answers, text);
                if (same != null) {
                    answers.set(answers.indexOf(same),
                            new Answer(same.text(), same.score() + span.score(), same.start(), same.end()));
                } else {
                    answers.add(new Answer(text, span.score(), chars[0], chars[1]));
                }
            }
        }
        if (handleImpossibleAnswer) {
            answers.add(new Answer("", minNullScore, 0, 0));
        }
        // List.sort is stable, like Python's sorted: equal scores keep their first-seen order.
        answers.sort(Comparator.comparingDouble(a -> -a.score()));
        return answers;
    }

    /** numpy's float32 softmax of the logits with disallowed positions set to −10000. */
    static float[] maskedSoftmax(float[] logits, boolean[] allowed) {
        float[] masked = new float[logits.length];
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            masked[i] = allowed[i] ? logits[i] : MASKED_LOGIT;
            max = Math.max(max, masked[i]);
        }
        float sum = 0f;
        for (int i = 0; i < masked.length; i++) {
            masked[i] = (float) Math.exp(masked[i] - max);
            sum += masked[i];
        }
        for (int i = 0; i < masked.length; i++) {
            masked[i] /= sum;
        }
        return masked;
    }

    /**
     * The {@code k} best spans by score (ties: earlier start, then earlier end, as the flattened matrix orders
     * them), keeping only spans whose both ends are allowed and whose score is positive.
     */
    private List<Span> bestSpans(float[] start, float[] end, boolean[] allowed, int k) {
        Comparator<Span> worstFirst = Comparator.comparingDouble(Span::score)
                .thenComparing(Comparator.comparingInt(Span::start).reversed())
                .thenComparing(Comparator.comparingInt(Span::end).reversed());
        PriorityQueue<Span> best = new PriorityQueue<>(worstFirst);
        int n = start.length;
        for (int s = 0; s < n; s++) {
            int last = Math.min(n - 1, s + maxAnswerLength - 1);
            for (int e = s; e <= last; e++) {
                float score = start[s] * end[e];
                if (score <= 0f) {
                    continue;
                }
                Span span = new Span(s, e, score);
                if (best.size() < k) {
                    best.add(span);
                } else if (worstFirst.compare(span, best.peek()) > 0) {
                    best.poll();
                    best.add(span);
                }
            }
        }
        List<Span> sorted = new ArrayList<>(best);
        sorted.sort(worstFirst.reversed());
        sorted.removeIf(span -> !allowed[span.start()] || !allowed[span.end()]);
        return sorted;
    }

    /** The span's characters widened to whole words, as the pipeline's {@code align_to_words} does. */
    private static int[] characters(String context, int[] wordAt, Window window, Span span) {
        int s = span.start();
        int e = span.end();
        int startWord = word(wordAt, window, s);
        int endWord = word(wordAt, window, e);
        if (startWord < 0 || endWord < 0) {
            // Not a context word (e.g. [CLS]): the pipeline falls back to the tokens' own offsets.
            return new int[] {offset(window.starts(), window, s), offset(window.ends(), window, e)};
        }
        // Tokens of a word are contiguous: its characters run from its first token's start to its last's end.
        while (s > 0 && word(wordAt, window, s - 1) == startWord) {
            s--;
        }
        while (e + 1 < window.ids().length && word(wordAt, window, e + 1) == endWord) {
            e++;
        }
        return new int[] {trimStart(context, window.starts()[s], window.ends()[s]),
            trimEnd(context, window.starts()[e], window.ends()[e])};
    }

    private static int offset(int[] offsets, Window window, int token) {
        return window.sequenceIds()[token] == 1 ? offsets[token] : 0;
    }

    /** The word of a context token: that of its first non-space character (or of the next one, if empty). */
    private static int word(int[] wordAt, Window window, int token) {
        if (window.sequenceIds()[token] != 1) {
            return -1;
        }
        int from = window.starts()[token];
        int to = Math.max(window.ends()[token], from + 1);
        for (int c = from; c < to && c < wordAt.length; c++) {
            if (wordAt[c] >= 0) {
                return wordAt[c];
            }
        }
        return -1;
    }

    private static int trimStart(String context, int start, int end) {
        while (start < end && isSpace(context.codePointAt(start))) {
            start += Character.charCount(context.codePointAt(start));
        }
        return start;
    }

    private static int trimEnd(String context, int start, int end) {
        while (end > start && isSpace(context.codePointBefore(end))) {
            end -= Character.charCount(context.codePointBefore(end));
        }
        return end;
    }

    private static Answer find(List<Answer> answers, String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        for (Answer answer : answers) {
            if (answer.text().toLowerCase(Locale.ROOT).equals(lower)) {
                return answer;
            }
        }
        return null;
    }

    /**
     * Per character of the context, the index of its word, or -1 for a separator: words are what ALBERT's
     * tokenizer.json pre-tokenizer (WhitespaceSplit, then Metaspace) splits after its normalizer, i.e. runs of
     * characters that do not normalise to whitespace.
     */
    static int[] wordAt(String context) {
        int[] words = new int[context.length()];
        int word = -1;
        boolean inWord = false;
        for (int i = 0; i < context.length(); ) {
            int cp = context.codePointAt(i);
            int count = Character.charCount(cp);
            boolean space = isSpace(cp);
            if (!space && !inWord) {
                word++;
            }
            inWord = !space;
            for (int k = 0; k < count; k++) {
                words[i + k] = space ? -1 : word;
            }
            i += count;
        }
        return words;
    }

    /**
     * Whether a character is whitespace once normalised as ALBERT's tokenizer does (NFKD, accents stripped,
     * SentencePiece's nmt_nfkc rules, which remove control characters and turn zero-width and other separators
     * into spaces), in Rust's {@code char::is_whitespace} sense that the WhitespaceSplit pre-tokenizer uses.
     */
    static boolean isSpace(int cp) {
        if (cp < 0x80) {
            return cp == ' ' || (cp >= 0x09 && cp <= 0x0D && cp != 0x0B);
        }
        switch (cp) {
            case 0x1680, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD:
                return true;
            case 0x008F, 0x009F:
                return false;
            default:
                break;
        }
        String normalized = Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFKD);
        for (int i = 0; i < normalized.length(); i++) {
            char c = normalized.charAt(i);
            if (Character.getType(c) != Character.NON_SPACING_MARK && isRustWhitespace(c)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isRustWhitespace(char c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }
}
