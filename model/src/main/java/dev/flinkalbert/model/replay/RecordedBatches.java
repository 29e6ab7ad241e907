package dev.flinkalbert.model.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.classification.ClassificationBatch;
import dev.flinkalbert.model.pretraining.PretrainingBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches exactly as a recorded Hugging Face run fed them, one JSON object a line: {@code input_ids},
 * {@code attention_mask}, {@code token_type_ids} ({@code [batch, seq]}, right-padded), {@code labels} (pretraining:
 * {@code [batch, seq]} masked-LM labels, {@link #IGNORE_INDEX} where no loss is taken; classification: one class a
 * row) and, for pretraining, {@code sentence_order_label} (0 in order, 1 swapped).
 *
 * <pre>{@code
 * AlbertConfig config = HfCheckpoint.config(initDir);
 * List<PretrainingBatch> pretraining = RecordedBatches.pretraining(Path.of("batches.jsonl"), config);
 * List<ClassificationBatch> classification = RecordedBatches.classification(Path.of("batches.jsonl"), config);
 * }</pre>
 *
 * Every batch is checked against the config before anything trains: equal shapes across fields and rows, a length
 * within {@code max_position_embeddings}, ids within the vocabulary, token types within {@code type_vocab_size},
 * labels within range and at least one masked-LM label a batch (transformers' mean over none is NaN). A violation is
 * an {@link IllegalArgumentException} naming the file, line, field and the offending value.
 */
public final class RecordedBatches {

    /** The masked-LM label of a position without loss ({@code CrossEntropyLoss}' default {@code ignore_index}). */
    public static final int IGNORE_INDEX = -100;

    private static final ObjectMapper JSON = new ObjectMapper();

    private RecordedBatches() {}

    /** The pretraining batches of {@code file} (masked LM + sentence order), checked against {@code config}. */
    public static List<PretrainingBatch> pretraining(Path file, AlbertConfig config) throws IOException {
        List<PretrainingBatch> out = new ArrayList<>();
        for (Line line : lines(file)) {
            Inputs in = inputs(line, config);
            long[][] labels = matrix(line, "labels", in.batch, in.length);
            long[] sop = vector(line, "sentence_order_label", in.batch);
            List<Long> positions = new ArrayList<>();
            List<Long> targets = new ArrayList<>();
            for (int r = 0; r < in.batch; r++) {
                for (int c = 0; c < in.length; c++) {
                    long label = labels[r][c];
                    if (label == IGNORE_INDEX) {
                        continue;
                    }
                    if (label < 0 || label >= config.vocabSize()) {
                        throw line.error("labels[" + r + "][" + c + "] = " + label + " is neither " + IGNORE_INDEX
                                + " nor a vocabulary id (vocab_size " + config.vocabSize() + ")");
                    }
                    positions.add((long) r * in.length + c);
                    targets.add(label);
                }
            }
            if (positions.isEmpty()) {
                throw line.error("no masked-LM label (every label is " + IGNORE_INDEX + "): the masked-LM loss, a mean"
                        + " over the labelled positions, would be NaN");
            }
            for (int r = 0; r < in.batch; r++) {
                if (sop[r] != 0 && sop[r] != 1) {
                    throw line.error("sentence_order_label[" + r + "] = " + sop[r] + ": must be 0 (in order) or 1"
                            + " (swapped)");
                }
            }
            out.add(new PretrainingBatch(in.batch, in.length, in.inputIds, in.attentionMask, in.tokenTypeIds,
                    longs(positions), longs(targets), sop, in.realTokens));
        }
        return out;
    }

    /** The sequence-classification batches of {@code file}, checked against {@code config}'s labels. */
    public static List<ClassificationBatch> classification(Path file, AlbertConfig config) throws IOException {
        int classes = AlbertModel.numLabels(config);
        List<ClassificationBatch> out = new ArrayList<>();
        for (Line line : lines(file)) {
            Inputs in = inputs(line, config);
            long[] labels = vector(line, "labels", in.batch);
            for (int r = 0; r < in.batch; r++) {
                if (labels[r] < 0 || labels[r] >= classes) {
                    throw line.error("labels[" + r + "] = " + labels[r] + " is not a class of the config (" + classes
                            + " labels: 0.." + (classes - 1) + ")");
                }
            }
            out.add(new ClassificationBatch(in.batch, in.length, in.inputIds, in.attentionMask, in.tokenTypeIds,
                    labels, in.realTokens));
        }
        return out;
    }

    private record Line(Path file, int number, JsonNode node) {
        IllegalArgumentException error(String message) {
            return new IllegalArgumentException(file + " line " + number + ": " + message);
        }
    }

    private record Inputs(int batch, int length, long[] inputIds, long[] attentionMask, long[] tokenTypeIds,
            long realTokens) {}

    private static List<Line> lines(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no batches file " + file + " (JSON lines with input_ids, attention_mask,"
                    + " token_type_ids, labels)");
        }
        List<Line> out = new ArrayList<>();
        int number = 0;
        for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            if (text.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + " line " + number + ": not JSON ("
                        + e.getOriginalMessage() + ")");
            }
            if (!node.isObject()) {
                throw new IllegalArgumentException(file + " line " + number + ": not a JSON object");
            }
            out.add(new Line(file, number, node));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no batch");
        }
        return out;
    }

    private static Inputs inputs(Line line, AlbertConfig config) {
        JsonNode ids = line.node().get("input_ids");
        if (ids == null || !ids.isArray() || ids.isEmpty() || !ids.get(0).isArray() || ids.get(0).isEmpty()) {
            throw line.error("input_ids must be a non-empty [batch, seq] array of token ids");
        }
        int batch = ids.size();
        int length = ids.get(0).size();
        if (length > config.maxPositionEmbeddings()) {
            throw line.error("sequence length " + length + " exceeds the config's max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        long[][] inputIds = matrix(line, "input_ids", batch, length);
        long[][] mask = matrix(line, "attention_mask", batch, length);
        long[][] types = matrix(line, "token_type_ids", batch, length);
        long real = 0;
        for (int r = 0; r < batch; r++) {
            for (int c = 0; c < length; c++) {
                check(line, "input_ids", r, c, inputIds[r][c], config.vocabSize(), "vocab_size");
                check(line, "token_type_ids", r, c, types[r][c], config.typeVocabSize(), "type_vocab_size");
                if (mask[r][c] != 0 && mask[r][c] != 1) {
                    throw line.error("attention_mask[" + r + "][" + c + "] = " + mask[r][c] + ": must be 0 or 1");
                }
                real += mask[r][c];
            }
        }
        return new Inputs(batch, length, flat(inputIds), flat(mask), flat(types), real);
    }

    private static void check(Line line, String field, int r, int c, long value, int bound, String configField) {
        if (value < 0 || value >= bound) {
            throw line.error(field + "[" + r + "][" + c + "] = " + value + " is outside the config's " + configField
                    + " " + bound);
        }
    }

    private static long[][] matrix(Line line, String field, int batch, int length) {
        JsonNode node = line.node().get(field);
        if (node == null) {
            throw line.error("missing " + field + " ([batch, seq] = [" + batch + ", " + length + "])");
        }
        if (!node.isArray() || node.size() != batch) {
            throw line.error(field + " must have " + batch + " rows like input_ids, got "
                    + (node.isArray() ? node.size() + " rows" : "a " + node.getNodeType().name().toLowerCase()));
        }
        long[][] out = new long[batch][];
        for (int r = 0; r < batch; r++) {
            JsonNode row = node.get(r);
            if (!row.isArray() || row.size() != length) {
                throw line.error(field + " row " + r + " must have " + length + " values like input_ids row 0, got "
                        + (row.isArray() ? row.size() : "a " + row.getNodeType().name().toLowerCase()));
            }
            out[r] = new long[length];
            for (int c = 0; c < length; c++) {
                out[r][c] = integer(line, field + "[" + r + "][" + c + "]", row.get(c));
            }
        }
        return out;
    }

    private static long[] vector(Line line, String field, int batch) {
        JsonNode node = line.node().get(field);
        if (node == null) {
            throw line.error("missing " + field + " (one per row, " + batch + " rows)");
        }
        if (!node.isArray() || node.size() != batch) {
            throw line.error(field + " must hold one value per row (" + batch + " rows), got "
                    + (node.isArray() ? node.size() + " values" : "a " + node.getNodeType().name().toLowerCase()));
        }
        long[] out = new long[batch];
        for (int r = 0; r < batch; r++) {
            out[r] = integer(line, field + "[" + r + "]", node.get(r));
        }
        return out;
    }

    private static long integer(Line line, String where, JsonNode value) {
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw line.error(where + " = " + value + " is not an integer");
        }
        return value.asLong();
    }

    private static long[] flat(long[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        long[] out = new long[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * width, width);
        }
        return out;
    }

    private static long[] longs(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).toArray();
    }
}
