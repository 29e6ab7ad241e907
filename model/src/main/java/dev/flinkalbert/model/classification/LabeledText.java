package dev.flinkalbert.model.classification;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One classification example: a text, an optional second text (for pairs) and its label; and the readers of the
 * files they come in: CSV or TSV with a header row, or JSON lines, with the columns {@code text}, optional
 * {@code text_pair} and {@code label}.
 */
public record LabeledText(String text, String textPair, String label) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads by extension: {@code .csv}, {@code .tsv}, {@code .jsonl}/{@code .json} (one object a line). */
    public static List<LabeledText> read(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return fromRows(DelimitedText.parse(Files.readString(file, StandardCharsets.UTF_8), ','), file);
        }
        if (name.endsWith(".tsv")) {
            return fromRows(DelimitedText.parse(Files.readString(file, StandardCharsets.UTF_8), '\t'), file);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
            return fromJsonLines(file);
        }
        throw new IOException(file + ": unknown format; use .csv, .tsv or .jsonl with columns text, [text_pair,] label");
    }

    private static List<LabeledText> fromRows(List<List<String>> rows, Path file) throws IOException {
        if (rows.isEmpty()) {
            throw new IOException(file + " is empty; it needs a header row with text and label");
        }
        List<String> header = rows.get(0);
        int text = header.indexOf("text");
        int pair = header.indexOf("text_pair");
        int label = header.indexOf("label");
        if (text < 0 || label < 0) {
            throw new IOException(file + ": the header " + header + " needs the columns text and label");
        }
        List<LabeledText> out = new ArrayList<>();
        for (int r = 1; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            if (row.size() == 1 && row.get(0).isEmpty()) {
                continue;
            }
            if (row.size() <= Math.max(text, Math.max(pair, label))) {
                throw new IOException(file + ": row " + (r + 1) + " has " + row.size() + " fields, the header "
                        + header.size());
            }
            out.add(new LabeledText(row.get(text), pair >= 0 ? row.get(pair) : null, row.get(label)));
        }
        return out;
    }

    private static List<LabeledText> fromJsonLines(Path file) throws IOException {
        List<LabeledText> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonNode node = JSON.readTree(lines.get(i));
            if (!node.hasNonNull("text") || !node.hasNonNull("label")) {
                throw new IOException(file + ": line " + (i + 1) + " needs the fields text and label");
            }
            JsonNode pair = node.get("text_pair");
            out.add(new LabeledText(node.get("text").asText(), pair == null || pair.isNull() ? null : pair.asText(),
                    node.get("label").asText()));
        }
        return out;
    }
}
