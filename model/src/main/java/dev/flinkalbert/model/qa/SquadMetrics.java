package dev.flinkalbert.model.qa;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Exact match and token F1 with SQuAD's answer normalisation ({@code evaluate-v1.1.py}): lower case, punctuation
 * removed, the articles a/an/the removed, white space collapsed; each prediction scored against its best gold answer.
 */
public final class SquadMetrics {

    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final Pattern PUNCTUATION = Pattern.compile("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]");

    private SquadMetrics() {}

    /** SQuAD's {@code normalize_answer}. */
    public static String normalize(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        String noPunctuation = PUNCTUATION.matcher(lower).replaceAll("");
        String noArticles = ARTICLES.matcher(noPunctuation).replaceAll(" ");
        return String.join(" ", noArticles.trim().split("\\s+")).trim();
    }

    public static boolean exactMatch(String prediction, String gold) {
        return normalize(prediction).equals(normalize(gold));
    }

    public static double f1(String prediction, String gold) {
        List<String> p = tokens(prediction);
        List<String> g = tokens(gold);
        if (p.isEmpty() || g.isEmpty()) {
            return p.equals(g) ? 1 : 0;
        }
        Map<String, Integer> counts = new HashMap<>();
        g.forEach(t -> counts.merge(t, 1, Integer::sum));
        int common = 0;
        for (String t : p) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                common++;
                counts.put(t, c - 1);
            }
        }
        if (common == 0) {
            return 0;
        }
        double precision = common / (double) p.size();
        double recall = common / (double) g.size();
        return 2 * precision * recall / (precision + recall);
    }

    private static List<String> tokens(String s) {
        String n = normalize(s);
        return n.isEmpty() ? List.of() : Arrays.asList(n.split(" "));
    }

    /** Mean exact match and F1 (0–100, as SQuAD reports) of predictions against gold answer lists. */
    public record Score(double exactMatch, double f1, int count) {}

    public static Score score(List<String> predictions, List<List<String>> golds) {
        double em = 0;
        double f1 = 0;
        for (int i = 0; i < predictions.size(); i++) {
            List<String> gold = golds.get(i).isEmpty() ? List.of("") : golds.get(i);
            String p = predictions.get(i);
            em += gold.stream().anyMatch(g -> exactMatch(p, g)) ? 1 : 0;
            f1 += gold.stream().mapToDouble(g -> f1(p, g)).max().orElse(0);
        }
        int n = Math.max(1, predictions.size());
        return new Score(100 * em / n, 100 * f1 / n, predictions.size());
    }
}
