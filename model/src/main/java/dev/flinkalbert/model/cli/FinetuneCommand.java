package dev.flinkalbert.model.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.classification.ClassificationData;
import dev.flinkalbert.model.classification.ClassificationMetrics;
import dev.flinkalbert.model.classification.ClassificationObjective;
import dev.flinkalbert.model.classification.ClassificationBatch;
import dev.flinkalbert.model.training.FineTuning;
import dev.flinkalbert.model.classification.DataSplits;
import dev.flinkalbert.model.classification.LabeledText;
import dev.flinkalbert.model.export.OnnxExporter;
import dev.flinkalbert.model.report.TrainingReport;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./albert train finetune}: a sequence classifier from a pretrained checkpoint, exported ready to serve. */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Fine-tune a sequence classifier from a Hugging Face-layout checkpoint (config.json + "
                + "model.safetensors); the output directory becomes a model directory the operators load "
                + "(model.onnx, config.json, spiece.model) and keeps model.safetensors, metrics.jsonl and curves.png.",
            "Example: ./albert train finetune --init models/pretrained --dataset uci-sentiment --out models/sentiment"})
final class FinetuneCommand implements Callable<Integer> {

    @Option(names = "--init", paramLabel = "DIR",
            description = "Checkpoint to start from (pretrained, or a classifier to train further).")
    Path init;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Instead of --init: a config.json whose model starts from random weights (the ablation "
                    + "without pretraining); needs --vocab.")
    Path config;

    @Option(names = "--vocab", paramLabel = "FILE", description = "spiece.model. Default: <init>/spiece.model.")
    Path vocab;

    @Option(names = "--train", paramLabel = "FILE", description = "Training examples: .csv, .tsv or .jsonl with text, [text_pair,] label.")
    Path train;

    @Option(names = "--validation", paramLabel = "FILE", description = "Validation examples; else --validation-split of the training data.")
    Path validation;

    @Option(names = "--validation-split", defaultValue = "0.1", description = "Default: ${DEFAULT-VALUE}.")
    double validationSplit;

    @Option(names = "--test", paramLabel = "FILE", description = "Test examples, evaluated once with the best weights.")
    Path test;

    @Mixin DataOptions data;
    @Mixin PrecisionOption precision;

    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
    @Option(names = "--epochs", defaultValue = "3") int epochs;
    @Option(names = "--batch-size", defaultValue = "32") int batchSize;
    @Option(names = "--max-length", defaultValue = "128") int maxLength;
    @Option(names = "--learning-rate", defaultValue = "3e-5") float learningRate;
    @Option(names = "--warmup", defaultValue = "0.1", description = "Warm-up share of the steps. Default: ${DEFAULT-VALUE}.")
    float warmup;
    @Option(names = "--accumulation", defaultValue = "1") int accumulation;
    @Option(names = "--patience", defaultValue = "2", description = "Epochs without a better validation macro-F1 before stopping. Default: ${DEFAULT-VALUE}.")
    int patience;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--model-version", defaultValue = "1", description = "Written to the ONNX metadata. Default: ${DEFAULT-VALUE}.")
    String modelVersion;

    @Override
    public Integer call() throws Exception {
        if ((train == null) == (data.dataset == null)) {
            throw new IllegalArgumentException("give exactly one of --train FILE or --dataset NAME");
        }
        if ((init == null) == (config == null)) {
            throw new IllegalArgumentException("give exactly one of --init DIR (a checkpoint) or --config FILE "
                    + "(random weights)");
        }
        if (vocab == null && init == null) {
            throw new IllegalArgumentException("--config needs --vocab spiece.model");
        }
        Path spiece = vocab != null ? vocab : init.resolve(OnnxExporter.VOCABULARY_FILE);
        AlbertTokenizer tokenizer = AlbertTokenizer.fromSpieceModel(spiece);
        List<LabeledText> trainTexts;
        List<LabeledText> testTexts = test != null ? LabeledText.read(test) : List.of();
        if (data.dataset != null) {
            DataSplits.Split<LabeledText> split = data.datasetSplit();
            trainTexts = split.rest();
            testTexts = split.held();
        } else {
            trainTexts = LabeledText.read(train);
        }
        List<LabeledText> validationTexts;
        if (validation != null) {
            validationTexts = LabeledText.read(validation);
        } else {
            DataSplits.Split<LabeledText> split = DataSplits.split(trainTexts, validationSplit, seed);
            trainTexts = split.rest();
            validationTexts = split.held();
        }
        AlbertConfig base = init != null ? HfCheckpoint.config(init) : AlbertConfig.read(config);
        List<String> labels = labels(base, trainTexts);
        Map<String, Integer> labelIds = new LinkedHashMap<>();
        labels.forEach(l -> labelIds.put(l, labelIds.size()));
        AlbertConfig modelConfig = base.toBuilder().id2label(labels).build();
        System.err.printf("train %d, validation %d, test %d examples; labels %s%n", trainTexts.size(),
                validationTexts.size(), testTexts.size(), labels);

        ClassificationData trainData = ClassificationData.encode(trainTexts, tokenizer, labelIds, maxLength, batchSize, seed);
        ClassificationData validationData = ClassificationData.encode(validationTexts, tokenizer, labelIds, maxLength, batchSize, seed);
        Files.createDirectories(out);
        FineTuning.Result<ClassificationMetrics> result;
        try (NDManager manager = NDManager.newBaseManager();
                TrainingReport report = new TrainingReport(out, System.err)) {
            try (AlbertModel model = init != null
                    ? HfCheckpoint.load(init, modelConfig, AlbertTask.SEQUENCE_CLASSIFICATION, seed, manager)
                    : AlbertModel.initialize(modelConfig, AlbertTask.SEQUENCE_CLASSIFICATION, seed, manager)) {
                result = FineTuning.<ClassificationBatch, ClassificationMetrics>builder().model(model)
                        .objective(new ClassificationObjective()).train(trainData, trainData.batchesPerEpoch())
                        .evaluator(m -> ClassificationObjective.evaluate(m, validationData), ClassificationMetrics::macroF1)
                        .epochs(epochs).learningRate(learningRate).warmupFraction(warmup).accumulationSteps(accumulation)
                        .patience(patience).seed(seed).precision(precision.resolve()).output(out).listener(report)
                        .evaluationListener(e -> report.evaluation(e.step(), Map.of("accuracy", e.metrics().accuracy(),
                                "macro_f1", e.metrics().macroF1())))
                        .build().run();
            }
            Path best = out.resolve(FineTuning.BEST_DIRECTORY);
            try (AlbertModel model = HfCheckpoint.load(best, null, seed, manager)) {
                HfCheckpoint.save(model, out);
                OnnxExporter.builder().model(model).modelVersion(modelVersion).vocabulary(spiece).build()
                        .writeModelDirectory(out);
                ObjectNode summary = new ObjectMapper().createObjectNode();
                summary.put("best_epoch", result.best().epoch());
                summary.set("validation", EvalCommand.json(result.best().metrics()));
                if (!testTexts.isEmpty()) {
                    ClassificationData testData = ClassificationData.encode(testTexts, tokenizer, labelIds, maxLength,
                            batchSize, seed);
                    ClassificationMetrics metrics = ClassificationObjective.evaluate(model, testData);
                    summary.set("test", EvalCommand.json(metrics));
                    System.out.printf("test: accuracy %.4f  macro-F1 %.4f (%d examples)%n%s", metrics.accuracy(),
                            metrics.macroF1(), testTexts.size(), metrics.confusionTable());
                }
                Files.writeString(out.resolve("evaluation.json"),
                        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary));
            }
        }
        System.out.printf("best epoch %d: validation accuracy %.4f, macro-F1 %.4f; model directory %s%n",
                result.best().epoch(), result.best().metrics().accuracy(), result.best().metrics().macroF1(), out);
        return 0;
    }

    /** The checkpoint's labels when they cover the data's, else the data's labels sorted. */
    private static List<String> labels(AlbertConfig config, List<LabeledText> texts) {
        TreeSet<String> seen = new TreeSet<>();
        texts.forEach(t -> seen.add(t.label()));
        if (!config.id2label().isEmpty() && new HashSet<>(config.id2label()).containsAll(seen)) {
            return config.id2label();
        }
        return new ArrayList<>(seen);
    }
}
