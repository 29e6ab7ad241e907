package dev.flinkalbert.cli;

import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Deterministic benchmark texts whose token counts ({@code [CLS]} and {@code [SEP]} included) are drawn uniformly
 * from a range: words from a fixed English list are appended while the text stays within its drawn length.
 */
final class BenchTexts {

    static final long SEED = 42;

    private static final String[] WORDS = ("the a of and to in is was for on that with as by it at from this be are"
            + " film story music city river market people water season game team player company report year night"
            + " good great slow quiet bright strange small early late open simple several different important"
            + " runs makes shows takes gives finds builds reads writes plays moves opens turns holds brings"
            + " because although however while before after during without within between across against"
            + " photograph committee orchestra university experiment restaurant neighbourhood development").split(" ");

    private BenchTexts() {}

    /**
     * {@code records} texts of {@code lengths} ({@code MIN-MAX}) tokens for the model in {@code modelDirectory};
     * a bad {@code --lengths}, a model that does not open, or one of another task than {@code task} (null: any) is
     * a usage error of {@code commandLine}.
     */
    static List<String> forModel(CommandLine commandLine, Path modelDirectory, ModelTask task, String lengths,
            int records) {
        int[] range;
        try {
            range = range(lengths);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandLine, e.getMessage());
        }
        ModelTask found;
        List<String> texts;
        try (AlbertModel probe = AlbertModel.builder().modelDirectory(modelDirectory).build()) {
            found = probe.task();
            texts = generate(probe.tokenizer(), records, range[0], range[1]);
        } catch (RuntimeException e) {
            throw new ParameterException(commandLine, "--model-dir " + modelDirectory + ": " + e.getMessage(), e);
        }
        if (task != null && found != task) {
            throw new ParameterException(commandLine, "--model-dir " + modelDirectory + " is a " + found
                    + " model: this benchmark needs a " + task + " model");
        }
        return texts;
    }

    /**
     * @param minTokens shortest text in tokens, specials included (at least 3)
     * @param maxTokens longest text in tokens
     */
    static List<String> generate(AlbertTokenizer tokenizer, int count, int minTokens, int maxTokens) {
        SplittableRandom random = new SplittableRandom(SEED);
        List<String> texts = new ArrayList<>(count);
        while (texts.size() < count) {
            int target = minTokens + random.nextInt(maxTokens - minTokens + 1);
            StringBuilder text = new StringBuilder();
            int length = 2;
            while (true) {
                String word = WORDS[random.nextInt(WORDS.length)];
                String longer = text.isEmpty() ? word : text + " " + word;
                int longerLength = tokenizer.encode(longer).length();
                if (longerLength > target) {
                    break;
                }
                text.setLength(0);
                text.append(longer);
                length = longerLength;
            }
            if (length >= minTokens) {
                texts.add(text.toString());
            }
        }
        return texts;
    }

    /** Parses {@code MIN-MAX}. */
    static int[] range(String lengths) {
        String[] parts = lengths.split("-");
        int min = Integer.parseInt(parts[0].trim());
        int max = Integer.parseInt(parts[parts.length - 1].trim());
        if (parts.length != 2 || min < 3 || max < min) {
            throw new IllegalArgumentException("--lengths must be MIN-MAX tokens with 3 <= MIN <= MAX, got " + lengths);
        }
        return new int[] {min, max};
    }
}
