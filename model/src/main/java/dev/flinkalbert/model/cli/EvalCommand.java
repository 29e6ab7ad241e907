package dev.flinkalbert.model.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.classification.ClassificationData;
import dev.flinkalbert.model.classification.ClassificationMetrics;
import dev.flinkalbert.model.classification.ClassificationObjective;
import dev.flinkalbert.model.classification.LabeledText;
import dev.flinkalbert.model.export.OnnxExporter;
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

/** {@code ./albert train eval}: accuracy, macro-F1 and the confusion matrix of a classifier on labelled data. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a sequence classifier checkpoint on labelled examples.",
            "Example: ./albert train eval --model models/sentiment --dataset uci-sentiment"})
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Directory with config.json, model.safetensors and spiece.model.")
    Path model;

    @Option(names = "--data", paramLabel = "FILE", description = ".csv, .tsv or .jsonl with text, [text_pair,] label.")
    Path data;

    @Mixin DataOptions dataset;

    @Option(names = "--batch-size", defaultValue = "64") int batchSize;
    @Option(names = "--max-length", defaultValue = "128") int maxLength;
    @Option(names = "--report", paramLabel = "FILE", description = "Also write the metrics as JSON here.")
    Path report;

    @Override
    public Integer call() throws Exception {
        if ((data == null) == (dataset.dataset == null)) {
            throw new IllegalArgumentException("give exactly one of --data FILE or --dataset NAME (its test split)");
        }
        List<LabeledText> texts = data != null ? LabeledText.read(data) : dataset.datasetSplit().held();
        AlbertTokenizer tokenizer = AlbertTokenizer.fromSpieceModel(model.resolve(OnnxExporter.VOCABULARY_FILE));
        try (NDManager manager = NDManager.newBaseManager();
                AlbertModel classifier = HfCheckpoint.load(model, null, 0L, manager)) {
            if (classifier.task() != AlbertTask.SEQUENCE_CLASSIFICATION) {
                throw new IllegalArgumentException(model + " holds a " + classifier.task().architecture()
                        + ", not a sequence classifier");
            }
            List<String> labels = classifier.config().id2label();
            Map<String, Integer> ids = new LinkedHashMap<>();
            labels.forEach(l -> ids.put(l, ids.size()));
            ClassificationData encoded = ClassificationData.encode(texts, tokenizer, ids, maxLength, batchSize, 0L);
            ClassificationMetrics metrics = ClassificationMetrics.of(labels, encoded.labels(),
                    ClassificationObjective.predict(classifier, encoded.inOrder()));
            System.out.printf("accuracy %.4f  macro-F1 %.4f  (%d examples)%n%s", metrics.accuracy(), metrics.macroF1(),
                    texts.size(), metrics.confusionTable());
            if (report != null) {
                Files.writeString(report, new ObjectMapper().writerWithDefaultPrettyPrinter()
                        .writeValueAsString(json(metrics)));
            }
        }
        return 0;
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
