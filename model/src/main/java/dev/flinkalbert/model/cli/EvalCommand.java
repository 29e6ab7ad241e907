package dev.flinkalbert.model.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.classification.ClassificationData;
import dev.flinkalbert.model.classification.ClassificationMetrics;
import dev.flinkalbert.model.classification.ClassificationObjective;
import dev.flinkalbert.model.classification.LabeledText;
import dev.flinkalbert.model.export.OnnxExporter;
import dev.flinkalbert.model.qa.QaData;
import dev.flinkalbert.model.qa.QaObjective;
import dev.flinkalbert.model.qa.SquadExample;
import dev.flinkalbert.model.qa.SquadMetrics;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./albert train eval}: accuracy, macro-F1 and the confusion matrix of a classifier on labelled data, or
 * SQuAD exact match and F1 of a question-answering model.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a checkpoint: a sequence classifier on labelled examples (accuracy, macro-F1, "
                + "confusion matrix), or a question-answering model on SQuAD JSON (exact match, F1).",
            "Example: ./albert train eval --model models/sentiment --dataset uci-sentiment"})
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Directory with config.json, model.safetensors and spiece.model.")
    Path model;

    @Option(names = "--data", paramLabel = "FILE", description = ".csv, .tsv or .jsonl with text, [text_pair,] label.")
    Path data;

    @Mixin DataOptions dataset;

    @Option(names = "--batch-size", defaultValue = "64") int batchSize;
    @Option(names = "--max-length", description = "Default: 128 for classification, 384 for QA.") Integer maxLength;
    @Option(names = "--stride", defaultValue = "128", description = "QA windows' overlap. Default: ${DEFAULT-VALUE}.")
    int stride;
    @Option(names = "--max-answer-length", defaultValue = "30") int maxAnswerLength;
    @Option(names = "--report", paramLabel = "FILE", description = "Also write the metrics as JSON here.")
    Path report;

    @Override
    public Integer call() throws Exception {
        if ((data == null) == (dataset.dataset == null)) {
            throw new IllegalArgumentException("give exactly one of --data FILE or --dataset NAME (its test split)");
        }
        AlbertTokenizer tokenizer = AlbertTokenizer.fromSpieceModel(model.resolve(OnnxExporter.VOCABULARY_FILE));
        try (NDManager manager = NDManager.newBaseManager();
                AlbertModel loaded = HfCheckpoint.load(model, null, 0L, manager)) {
            ObjectNode result = switch (loaded.task()) {
                case SEQUENCE_CLASSIFICATION -> classification(loaded, tokenizer);
                case QUESTION_ANSWERING -> questionAnswering(loaded, tokenizer);
                default -> throw new IllegalArgumentException(model + " holds a " + loaded.task().architecture()
                        + ": eval takes a sequence classifier or a question-answering model");
            };
            if (report != null) {
                Files.writeString(report, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
            }
        }
        return 0;
    }

    private ObjectNode classification(AlbertModel classifier, AlbertTokenizer tokenizer) throws Exception {
        List<LabeledText> texts = data != null ? LabeledText.read(data) : dataset.datasetSplit().held();
        List<String> labels = classifier.config().id2label();
        Map<String, Integer> ids = new LinkedHashMap<>();
        labels.forEach(l -> ids.put(l, ids.size()));
        ClassificationData encoded = ClassificationData.encode(texts, tokenizer, ids, maxLength != null ? maxLength : 128,
                batchSize, 0L);
        ClassificationMetrics metrics = ClassificationObjective.evaluate(classifier, encoded);
        System.out.printf("accuracy %.4f  macro-F1 %.4f  (%d examples)%n%s", metrics.accuracy(), metrics.macroF1(),
                texts.size(), metrics.confusionTable());
        return json(metrics);
    }

    private ObjectNode questionAnswering(AlbertModel qa, AlbertTokenizer tokenizer) throws Exception {
        if (data == null) {
            throw new IllegalArgumentException("a question-answering model is evaluated on --data squad.json");
        }
        List<SquadExample> examples = SquadExample.read(data);
        QaData encoded = QaData.encode(examples, tokenizer, maxLength != null ? maxLength : 384, stride, batchSize, 0L);
        SquadMetrics.Score score = QaObjective.evaluate(qa, encoded, maxAnswerLength);
        System.out.printf("exact match %.2f  F1 %.2f  (%d questions)%n", score.exactMatch(), score.f1(), score.count());
        ObjectNode node = new ObjectMapper().createObjectNode();
        node.put("exact_match", score.exactMatch());
        node.put("f1", score.f1());
        node.put("questions", score.count());
        return node;
    }

    static ObjectNode json(ClassificationMetrics m) {
        ObjectNode node = new ObjectMapper().createObjectNode();
        node.put("accuracy", m.accuracy());
        node.put("macro_f1", m.macroF1());
        ArrayNode labels = node.putArray("labels");
        m.labels().forEach(labels::add);
        ArrayNode confusion = node.putArray("confusion");
        for (long[] row : m.confusion()) {
            ArrayNode r = confusion.addArray();
            for (long v : row) {
                r.add(v);
            }
        }
        return node;
    }
}
