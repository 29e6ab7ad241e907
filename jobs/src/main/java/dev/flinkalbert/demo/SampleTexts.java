package dev.flinkalbert.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.flinkalbert.avro.TextEvent;

/**
 * The demo's committed sample texts (short reviews, support tickets and messages) and the questions
 * {@code --task qa} asks of each, from {@code demo/sample-texts.txt} and {@code demo/qa-questions.txt} on the class
 * path. Lines starting with {@code #} are comments.
 *
 * @param texts the sample texts
 * @param questions the questions asked of every text, for question answering
 */
public record SampleTexts(List<String> texts, List<String> questions) {

    public static final String TEXTS_RESOURCE = "demo/sample-texts.txt";
    public static final String QUESTIONS_RESOURCE = "demo/qa-questions.txt";

    public SampleTexts {
        texts = List.copyOf(texts);
        questions = List.copyOf(questions);
        if (texts.isEmpty() || questions.isEmpty()) {
            throw new IllegalArgumentException("sample texts and questions must not be empty");
        }
    }

    /** The committed samples. */
    public static SampleTexts load() {
        return new SampleTexts(lines(TEXTS_RESOURCE), lines(QUESTIONS_RESOURCE));
    }

    /** The {@code n}-th event (0-based; the texts repeat), with id {@code demo-<n>}. */
    public TextEvent event(long n, Instant eventTime) {
        return TextEvent.newBuilder()
                .setId("demo-" + n)
                .setText(texts.get((int) (n % texts.size())))
                .setAttributes(Map.of())
                .setEventTime(eventTime)
                .build();
    }

    private static List<String> lines(String resource) {
        InputStream in = SampleTexts.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException(resource + " is not on the class path (it lives in jobs/src/main/resources)");
        }
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    lines.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + resource, e);
        }
        return lines;
    }
}
