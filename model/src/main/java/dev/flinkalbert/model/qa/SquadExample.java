package dev.flinkalbert.model.qa;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One SQuAD question on its context, with the gold answers (text and character start; none when unanswerable);
 * and the reader of SQuAD-format JSON ({@code data[].paragraphs[].qas[]}, v1.1 or v2.0).
 */
public record SquadExample(String id, String question, String context, List<Answer> answers) {

    /** A gold answer: its text and where it starts in the context. */
    public record Answer(String text, int start) {}

    public static List<SquadExample> read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (!root.path("data").isArray()) {
            throw new IOException(file + " is not SQuAD JSON: it needs a top-level \"data\" array");
        }
        List<SquadExample> out = new ArrayList<>();
        for (JsonNode article : root.path("data")) {
            for (JsonNode paragraph : article.path("paragraphs")) {
                String context = paragraph.path("context").asText();
                for (JsonNode qa : paragraph.path("qas")) {
                    List<Answer> answers = new ArrayList<>();
                    if (!qa.path("is_impossible").asBoolean(false)) {
                        for (JsonNode a : qa.path("answers")) {
                            String text = a.path("text").asText();
                            int start = a.path("answer_start").asInt(-1);
                            if (start < 0 || !context.startsWith(text, start)) {
                                throw new IOException(file + ": question " + qa.path("id").asText()
                                        + " has an answer not found at answer_start " + start);
                            }
                            answers.add(new Answer(text, start));
                        }
                    }
                    out.add(new SquadExample(qa.path("id").asText(), qa.path("question").asText(), context,
                            List.copyOf(answers)));
                }
            }
        }
        return out;
    }
}
