package dev.flinkalbert.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.AlbertPredictor;
import dev.flinkalbert.inference.Answer;
import dev.flinkalbert.inference.AlbertEncoder;
import dev.flinkalbert.inference.AnswerPrediction;
import dev.flinkalbert.inference.AnswerSpec;
import dev.flinkalbert.inference.ClassificationPrediction;
import dev.flinkalbert.inference.ClassificationSpec;
import dev.flinkalbert.inference.Embedding;
import dev.flinkalbert.inference.EmbeddingSpec;
import dev.flinkalbert.inference.Entity;
import dev.flinkalbert.inference.EntityAggregation;
import dev.flinkalbert.inference.InvalidModelException;
import dev.flinkalbert.inference.LabelScore;
import dev.flinkalbert.inference.Outcome;
import dev.flinkalbert.inference.Pooling;
import dev.flinkalbert.inference.PredictorLimits;
import dev.flinkalbert.inference.SessionSettings;
import dev.flinkalbert.inference.TaskSpec;
import dev.flinkalbert.inference.TextInput;
import dev.flinkalbert.inference.TokenClassification;
import dev.flinkalbert.inference.TokenClassificationSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./albert predict}: offline prediction from JSON lines on stdin to JSON lines on stdout, one output line per
 * input line, in order. The model directory says the task: classification ({@code label}, {@code score},
 * {@code scores} label → probability, {@code logits}), embeddings ({@code embedding}), question answering
 * ({@code answer}, {@code score}, {@code start}, {@code end}; UTF-16 offsets into the context) or token
 * classification ({@code entities}, with the token-classification pipeline's fields: {@code entity}, {@code score},
 * {@code index}, {@code word}, {@code start}, {@code end} for {@code --aggregation none}, else {@code entity_group},
 * {@code score}, {@code word}, {@code start}, {@code end}; UTF-16 offsets into the text). Input fields:
 * {@code text} and optional {@code text_pair}, or {@code question} and {@code context}; an {@code id} is copied to
 * the output. A line that cannot be read or predicted gives {@code {"error": …}} and the next line goes on. Lines
 * are predicted in batches of {@code --batch-size}.
 */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Predict JSON lines from stdin to stdout with a model directory (no Flink, no Kafka).",
            "In:  {\"text\": …, \"text_pair\": …} or {\"question\": …, \"context\": …}, optional \"id\".",
            "Out: classification {label, score, scores, logits}; embeddings {embedding};"
                    + " QA {answer, score, start, end}; token classification {entities: [{entity_group | entity,"
                    + " score, word, start, end}]}; a bad line {error}.",
        })
public final class PredictCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model-dir", required = true, paramLabel = "DIR",
            description = "Model directory: model.onnx, config.json, spiece.model")
    Path modelDirectory;

    @Option(names = "--pooling", paramLabel = "POOLING", description = "Embeddings: mean (default), cls or pooler")
    Pooling pooling;

    @Option(names = "--normalize", description = "Embeddings: scale vectors to unit L2 norm")
    boolean normalize;

    @Option(names = "--top-k", paramLabel = "K", description = "Classification: labels listed in scores (default: all)")
    Integer topK;

    @Option(names = "--aggregation", paramLabel = "STRATEGY",
            description = "Token classification: none (default), simple, first, average or max, as the pipeline's"
                    + " aggregation_strategy")
    String aggregation;

    @Option(names = "--stride", paramLabel = "TOKENS",
            description = "Token classification: pieces shared by the windows of a text longer than --max-length"
                    + " (default: " + TokenClassificationSpec.DEFAULT_STRIDE + ")")
    Integer stride;

    @Option(names = "--max-length", paramLabel = "TOKENS",
            description = "Longest tokenized input (default: the model's; QA: its window, 384; token classification:"
                    + " its window)")
    Integer maxLength;

    @Option(names = "--batch-size", defaultValue = "" + AlbertEncoder.DEFAULT_MAX_BATCH_SIZE, paramLabel = "N",
            description = "Lines per batch (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--intra-op-threads", defaultValue = "" + SessionSettings.DEFAULT_INTRA_OP_THREADS,
            paramLabel = "N", description = "ONNX Runtime threads (default: ${DEFAULT-VALUE})")
    int intraOpThreads;

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be at least 1, got " + batchSize);
        }
        AlbertModel model;
        try {
            model = AlbertModel.builder().modelDirectory(modelDirectory).intraOpThreads(intraOpThreads).build();
        } catch (InvalidModelException | IllegalArgumentException | IllegalStateException e) {
            throw new ParameterException(spec.commandLine(), "--model-dir " + modelDirectory + ": " + e.getMessage(), e);
        }
        try (model; AlbertPredictor<?> predictor = predictor(model)) {
            PrintWriter out = spec.commandLine().getOut();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>(batchSize);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                lines.add(line);
                if (lines.size() == batchSize) {
                    predict(model, predictor, lines, out);
                    lines.clear();
                }
            }
            predict(model, predictor, lines, out);
            out.flush();
        }
        return 0;
    }

    /** The model's head with the options given, checked against the model (every problem at once). */
    private AlbertPredictor<?> predictor(AlbertModel model) {
        List<String> misplaced = new ArrayList<>();
        TaskSpec<?> head = model.task().defaults();
        if (head instanceof EmbeddingSpec embedding) {
            head = embedding.withPooling(pooling == null ? embedding.pooling() : pooling).withNormalize(normalize);
        } else if (pooling != null || normalize) {
            misplaced.add("--pooling and --normalize apply to embedding models");
        }
        if (head instanceof ClassificationSpec classification) {
            head = topK == null ? classification : classification.withTopK(topK);
        } else if (topK != null) {
            misplaced.add("--top-k applies to classification models");
        }
        if (head instanceof TokenClassificationSpec tagging) {
            try {
                head = tagging.withAggregation(aggregation == null ? tagging.aggregation()
                        : EntityAggregation.of(aggregation)).withStride(stride == null ? tagging.stride() : stride);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--aggregation: " + e.getMessage(), e);
            }
        } else if (aggregation != null || stride != null) {
            misplaced.add("--aggregation and --stride apply to token-classification models");
        }
        if (!misplaced.isEmpty()) {
            throw new ParameterException(spec.commandLine(), modelDirectory + " is a " + model.task() + " model: "
                    + String.join("; ", misplaced));
        }
        try {
            return model.predictor(head, PredictorLimits.DEFAULTS.withMaxBatchSize(batchSize).withMaxLength(maxLength));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** One output line per input line, in order. */
    private void predict(AlbertModel model, AlbertPredictor<?> predictor, List<String> lines, PrintWriter out) {
        if (lines.isEmpty()) {
            return;
        }
        List<ObjectNode> outputs = new ArrayList<>(lines.size());
        List<TextInput> inputs = new ArrayList<>(lines.size());
        List<Integer> positions = new ArrayList<>(lines.size());
        for (String line : lines) {
            ObjectNode output = JSON.createObjectNode();
            outputs.add(output);
            try {
                JsonNode json = JSON.readTree(line);
                if (!json.isObject()) {
                    throw new IllegalArgumentException("a line must hold a JSON object");
                }
                if (json.hasNonNull("id")) {
                    output.set("id", json.get("id"));
                }
                String[] fields = model.task().inputFields();
                inputs.add(model.task().questionInput()
                        ? TextInput.question(text(json, fields[0]), text(json, fields[1]))
                        : new TextInput(text(json, fields[0]), optionalText(json, fields[1])));
                positions.add(outputs.size() - 1);
            } catch (IOException | IllegalArgumentException e) {
                output.put("error", "unreadable line: " + e.getMessage());
            }
        }
        List<? extends Outcome<?>> outcomes;
        try {
            outcomes = predictor.predict(inputs);
        } catch (RuntimeException e) { // the whole batch failed in ONNX Runtime: every line says so
            positions.forEach(p -> outputs.get(p).put("error", e.getMessage()));
            outcomes = List.of();
        }
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome<?> outcome = outcomes.get(i);
            ObjectNode output = outputs.get(positions.get(i));
            if (outcome.isSuccess()) {
                write(outcome.value(), output);
            } else {
                output.put("error", outcome.error().getMessage());
            }
        }
        outputs.forEach(output -> out.println(output.toString()));
    }

    private static void write(Object value, ObjectNode output) {
        if (value instanceof ClassificationPrediction prediction) {
            output.put("label", prediction.label()).put("score", prediction.score());
            ObjectNode scores = output.putObject("scores");
            for (LabelScore top : prediction.top()) {
                scores.put(top.label(), top.score());
            }
            var logits = output.putArray("logits");
            for (float logit : prediction.logits()) {
                logits.add(logit);
            }
        } else if (value instanceof Embedding embedding) {
            var vector = output.putArray("embedding");
            for (float v : embedding.vector()) {
                vector.add(v);
            }
        } else if (value instanceof TokenClassification tagged) {
            var entities = output.putArray("entities");
            for (Entity e : tagged.entities()) {
                // the pipeline's fields, in its order
                ObjectNode entity = entities.addObject().put(e.grouped() ? "entity_group" : "entity", e.label())
                        .put("score", e.score());
                if (!e.grouped()) {
                    entity.put("index", e.index());
                }
                entity.put("word", e.word()).put("start", e.start()).put("end", e.end());
            }
        } else if (value instanceof AnswerPrediction prediction) {
            Answer best = prediction.best();
            if (best == null) {
                output.putNull("answer");
            } else {
                output.put("answer", best.text()).put("score", best.score())
                        .put("start", AnswerSpec.offset(best, true)).put("end", AnswerSpec.offset(best, false));
            }
        }
    }

    private static String text(JsonNode json, String field) {
        String text = optionalText(json, field);
        if (text == null) {
            throw new IllegalArgumentException("no \"" + field + "\" string");
        }
        return text;
    }

    private static String optionalText(JsonNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string");
        }
        return node.asText();
    }
}
