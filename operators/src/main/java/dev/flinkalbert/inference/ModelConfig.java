package dev.flinkalbert.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The fields of a Hugging Face {@code config.json} that inference reads.
 *
 * @param maxPositionEmbeddings the longest sequence the model accepts ({@code max_position_embeddings})
 * @param hiddenSize the encoder width ({@code hidden_size})
 * @param labels label names by class index from {@code id2label}; empty when the config has none
 * @param numLabels {@code num_labels} when the config states it, else the size of {@code id2label}, else 0
 * @param multiLabel {@code problem_type} is {@code multi_label_classification}: scores are sigmoids, not a softmax
 */
@PublicEvolving
public record ModelConfig(int maxPositionEmbeddings, int hiddenSize, List<String> labels, int numLabels,
        boolean multiLabel) {

    static final String FILE_NAME = "config.json";

    public ModelConfig {
        labels = List.copyOf(labels);
    }

    /** Reads {@code config.json}; every problem found is added to {@code problems} and null is returned then. */
    static ModelConfig read(Path file, List<String> problems) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            problems.add(FILE_NAME + " is not valid JSON (" + e.getMessage()
                    + "): write the model's Hugging Face config with save_pretrained()");
            return null;
        }
        if (root == null || !root.isObject()) {
            problems.add(FILE_NAME + " must hold a JSON object: write the model's Hugging Face config with"
                    + " save_pretrained()");
            return null;
        }
        int before = problems.size();
        int maxPositions = positiveInt(root, "max_position_embeddings", problems);
        int hidden = positiveInt(root, "hidden_size", problems);
        List<String> labels = labels(root.get("id2label"), problems);
        int numLabels = root.path("num_labels").asInt(labels.size());
        if (!labels.isEmpty() && numLabels != labels.size()) {
            problems.add(FILE_NAME + " says num_labels " + numLabels + " but id2label has " + labels.size()
                    + " entries: make them agree");
        }
        String problemType = root.path("problem_type").asText("");
        if (problems.size() > before) {
            return null;
        }
        return new ModelConfig(maxPositions, hidden, labels, numLabels,
                "multi_label_classification".equals(problemType));
    }

    private static int positiveInt(JsonNode root, String field, List<String> problems) {
        JsonNode node = root.get(field);
        if (node == null || !node.canConvertToInt() || node.asInt() <= 0) {
            problems.add(FILE_NAME + " needs a positive integer \"" + field + "\""
                    + (node == null ? " (absent)" : " (found " + node + ")")
                    + ": every Hugging Face ALBERT config has it; re-export the config with save_pretrained()");
            return 0;
        }
        return node.asInt();
    }

    private static List<String> labels(JsonNode id2label, List<String> problems) {
        if (id2label == null || id2label.isNull()) {
            return Collections.emptyList();
        }
        if (!id2label.isObject()) {
            problems.add(FILE_NAME + " \"id2label\" must be an object like {\"0\": \"negative\", \"1\": \"positive\"}");
            return Collections.emptyList();
        }
        Map<Integer, String> byIndex = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : id2label.properties()) {
            try {
                byIndex.put(Integer.parseInt(e.getKey().trim()), e.getValue().asText());
            } catch (NumberFormatException ex) {
                problems.add(FILE_NAME + " \"id2label\" key \"" + e.getKey() + "\" is not a class index:"
                        + " keys must be 0, 1, …");
                return Collections.emptyList();
            }
        }
        List<String> labels = new ArrayList<>(byIndex.values());
        int expected = 0;
        for (int index : byIndex.keySet()) {
            if (index != expected++) {
                problems.add(FILE_NAME + " \"id2label\" keys must be 0.." + (byIndex.size() - 1)
                        + " without gaps, found " + byIndex.keySet());
                return Collections.emptyList();
            }
        }
        return labels;
    }
}
