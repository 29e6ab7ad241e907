package dev.flinkalbert.inference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Turns per-token probabilities into entities as transformers 4.57's token-classification pipeline does with a
 * SentencePiece (Unigram) tokenizer: per window, special tokens are skipped, each token's word is its piece (an
 * unknown piece: its original text), tokens are labelled (per token, or per word for the word strategies) and
 * grouped, ignored labels are dropped; entities of overlapping windows are then merged.
 *
 * <p>A Unigram tokenizer knows no word boundaries, so the pipeline falls back to a heuristic, reproduced here: a
 * token continues the previous word when it does not start the text and neither the character before it nor its
 * first character is a space (U+0020 only: a token after a newline continues the word); an unknown piece always
 * starts a word.
 */
final class TokenClassificationHead {

    private static final char METASPACE = '\u2581';

    /** What the pipeline's {@code gather_pre_entities} keeps of a token. */
    private record Token(String word, float[] scores, int start, int end, int index, boolean subword) {}

    private final List<String> labels;
    private final EntityAggregation aggregation;
    private final Set<String> ignoreLabels;
    private final IntFunction<String> pieces;
    private final int unkId;

    /**
     * @param labels label names by class index (id2label)
     * @param pieces the piece string of a token id (the pipeline's {@code convert_ids_to_tokens})
     * @param unkId the unknown piece's id
     */
    TokenClassificationHead(List<String> labels, EntityAggregation aggregation, Set<String> ignoreLabels,
            IntFunction<String> pieces, int unkId) {
        this.labels = List.copyOf(labels);
        this.aggregation = aggregation;
        this.ignoreLabels = Set.copyOf(ignoreLabels);
        this.pieces = pieces;
        this.unkId = unkId;
    }

    /**
     * The entities of one window, before windows are merged.
     *
     * @param text the whole text; offsets index into it (UTF-16)
     * @param ids the window's ids, {@code [CLS]} and {@code [SEP]} included
     * @param starts token starts in {@code text}
     * @param ends token ends in {@code text}
     * @param special which positions are the template's {@code [CLS]}/{@code [SEP]} (never reported)
     * @param probabilities the softmax over the labels per position
     * @param indexShift added to a window position to give {@link Entity#index()}
     */
    List<Entity> window(String text, int[] ids, int[] starts, int[] ends, boolean[] special, float[][] probabilities,
            int indexShift) {
        List<Token> tokens = new ArrayList<>(ids.length);
        for (int p = 0; p < ids.length; p++) {
            if (special[p]) {
                continue;
            }
            int start = starts[p];
            int end = ends[p];
            String word = pieces.apply(ids[p]);
            boolean subword = start > 0 && text.charAt(start - 1) != ' '
                    && (start >= text.length() || text.charAt(start) != ' ');
            if (ids[p] == unkId) {
                word = text.substring(start, end);
                subword = false;
            }
            tokens.add(new Token(word, probabilities[p], start, end, p + indexShift, subword));
        }
        List<Entity> labelled = aggregation.perWord() ? words(tokens) : perToken(tokens);
        List<Entity> out = new ArrayList<>(labelled.size());
        for (Entity e : aggregation.grouped() ? group(labelled) : labelled) {
            if (!ignoreLabels.contains(e.label())) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * One list of entities from the windows' lists. Grouped entities are merged as the pipeline's
     * {@code aggregate_overlapping_entities} does: sorted by start (stably), an entity that starts inside the one
     * kept before it replaces it when it is longer, or as long and more confident, else it is dropped. Single
     * tokens ({@link EntityAggregation#NONE}, which the pipeline refuses to window) are merged by position: a token
     * seen in two windows keeps its more confident reading (the earlier on a tie).
     */
    List<Entity> merge(List<List<Entity>> windows) {
        if (windows.size() == 1) {
            return windows.get(0);
        }
        List<Entity> all = new ArrayList<>();
        windows.forEach(all::addAll);
        if (all.isEmpty()) {
            return all;
        }
        if (!aggregation.grouped()) {
            Map<Integer, Entity> byIndex = new LinkedHashMap<>();
            for (Entity e : all) {
                byIndex.merge(e.index(), e, (kept, next) -> next.score() > kept.score() ? next : kept);
            }
            List<Entity> out = new ArrayList<>(byIndex.values());
            out.sort(Comparator.comparingInt(Entity::index));
            return out;
        }
        all.sort(Comparator.comparingInt(Entity::start));
        List<Entity> out = new ArrayList<>();
        Entity previous = all.get(0);
        for (Entity e : all) {
            if (previous.start() <= e.start() && e.start() < previous.end()) {
                int length = e.end() - e.start();
                int previousLength = previous.end() - previous.start();
                if (length > previousLength || length == previousLength && e.score() > previous.score()) {
                    previous = e;
                }
            } else {
                out.add(previous);
                previous = e;
            }
        }
        out.add(previous);
        return out;
    }

    /** {@code none}/{@code simple}: each token's best label. */
    private List<Entity> perToken(List<Token> tokens) {
        List<Entity> out = new ArrayList<>(tokens.size());
        for (Token t : tokens) {
            int best = argmax(t.scores());
            out.add(new Entity(labels.get(best), t.scores()[best], t.word(), t.start(), t.end(), t.index()));
        }
        return out;
    }

    /** {@code first}/{@code average}/{@code max}: tokens gathered into words, one label per word. */
    private List<Entity> words(List<Token> tokens) {
        List<Entity> out = new ArrayList<>();
        List<Token> word = new ArrayList<>();
        for (Token t : tokens) {
            if (!word.isEmpty() && !t.subword()) {
                out.add(word(word));
                word.clear();
            }
            word.add(t);
        }
        if (!word.isEmpty()) {
            out.add(word(word));
        }
        return out;
    }

    private Entity word(List<Token> tokens) {
        List<String> parts = new ArrayList<>(tokens.size());
        tokens.forEach(t -> parts.add(t.word()));
        float[] scores;
        switch (aggregation) {
            case FIRST -> scores = tokens.get(0).scores();
            case MAX -> {
                Token best = tokens.get(0);
                float bestMax = max(best.scores());
                for (Token t : tokens) {
                    float m = max(t.scores());
                    if (m > bestMax) { // the first of equals, as Python's max()
                        best = t;
                        bestMax = m;
                    }
                }
                scores = best.scores();
            }
            case AVERAGE -> {
                // float32 sums in token order, as numpy's nanmean over axis 0 of a float32 stack
                scores = new float[labels.size()];
                for (Token t : tokens) {
                    for (int k = 0; k < scores.length; k++) {
                        scores[k] += t.scores()[k];
                    }
                }
                for (int k = 0; k < scores.length; k++) {
                    scores[k] /= tokens.size();
                }
            }
            default -> throw new IllegalStateException(aggregation + " does not decide per word");
        }
        int best = argmax(scores);
        return new Entity(labels.get(best), scores[best], decode(parts), tokens.get(0).start(),
                tokens.get(tokens.size() - 1).end(), -1);
    }

    /** The pipeline's {@code group_entities}: runs of one type, a {@code B-} always starting a new one. */
    private List<Entity> group(List<Entity> entities) {
        List<Entity> out = new ArrayList<>();
        List<Entity> run = new ArrayList<>();
        for (Entity e : entities) {
            if (!run.isEmpty()) {
                String label = e.label();
                String last = run.get(run.size() - 1).label();
                if (!(type(label).equals(type(last)) && !label.startsWith("B-"))) {
                    out.add(groupOf(run));
                    run.clear();
                }
            }
            run.add(e);
        }
        if (!run.isEmpty()) {
            out.add(groupOf(run));
        }
        return out;
    }

    private static Entity groupOf(List<Entity> run) {
        String label = run.get(0).label();
        String group = label.substring(label.indexOf('-') + 1); // split("-", 1)[-1]
        float sum = 0;
        List<String> words = new ArrayList<>(run.size());
        for (Entity e : run) {
            sum += e.score();
            words.add(e.word());
        }
        return new Entity(group, sum / run.size(), decode(words), run.get(0).start(), run.get(run.size() - 1).end(),
                -1);
    }

    /** The pipeline's {@code get_tag} type: {@code PER} of {@code B-PER}/{@code I-PER}, else the whole label. */
    private static String type(String label) {
        return label.startsWith("B-") || label.startsWith("I-") ? label.substring(2) : label;
    }

    /**
     * The tokenizer's {@code convert_tokens_to_string}, a Metaspace decoder (prepend scheme {@code always}):
     * {@code ▁} becomes a space, except in the first token, where it is dropped.
     */
    static String decode(List<String> tokens) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            for (int c = 0; c < token.length(); c++) {
                char ch = token.charAt(c);
                if (ch != METASPACE) {
                    out.append(ch);
                } else if (i > 0) {
                    out.append(' ');
                }
            }
        }
        return out.toString();
    }

    /** The first index of the largest value, as numpy's argmax. */
    private static int argmax(float[] v) {
        int best = 0;
        for (int k = 1; k < v.length; k++) {
            if (v[k] > v[best]) {
                best = k;
            }
        }
        return best;
    }

    private static float max(float[] v) {
        return v[argmax(v)];
    }
}
