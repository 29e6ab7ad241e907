package dev.flinkalbert.model.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.classification.DataSplits;
import dev.flinkalbert.model.export.OnnxExporter;
import dev.flinkalbert.model.qa.QaBatch;
import dev.flinkalbert.model.qa.QaData;
import dev.flinkalbert.model.qa.QaObjective;
import dev.flinkalbert.model.qa.SquadExample;
import dev.flinkalbert.model.qa.SquadMetrics;
import dev.flinkalbert.model.report.TrainingReport;
import dev.flinkalbert.model.training.FineTuning;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./albert train qa}: extractive question answering fine-tuned on SQuAD-format JSON, exported to ONNX. */
@Command(name = "qa", mixinStandardHelpOptions = true,
        description = {"Fine-tune extractive question answering on SQuAD-format JSON (v1.1 or v2.0): windows of "
                + "--max-length tokens overlapping by --stride, exact match and F1 with SQuAD's normalisation on the "
                + "validation data after each epoch, early stopping, best weights kept and exported to ONNX.",
            "Example: ./albert train qa --init models/pretrained --train train.json --validation dev.json --out models/qa"})
final class QaCommand implements Callable<Integer> {

    @Option(names = "--init", required = true, paramLabel = "DIR") Path init;
    @Option(names = "--vocab", paramLabel = "FILE", description = "spiece.model. Default: <init>/spiece.model.") Path vocab;
    @Option(names = "--train", required = true, paramLabel = "FILE") Path train;
    @Option(names = "--validation", paramLabel = "FILE", description = "Else --validation-split of --train.") Path validation;
    @Option(names = "--validation-split", defaultValue = "0.1") double validationSplit;
    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
    @Option(names = "--epochs", defaultValue = "2") int epochs;
    @Option(names = "--batch-size", defaultValue = "16") int batchSize;
    @Option(names = "--max-length", defaultValue = "384") int maxLength;
    @Option(names = "--stride", defaultValue = "128", description = "Tokens shared by consecutive windows. Default: ${DEFAULT-VALUE}.")
    int stride;
    @Option(names = "--max-answer-length", defaultValue = "30") int maxAnswerLength;
    @Option(names = "--learning-rate", defaultValue = "3e-5") float learningRate;
    @Option(names = "--warmup", defaultValue = "0.1") float warmup;
    @Option(names = "--accumulation", defaultValue = "1") int accumulation;
    @Option(names = "--patience", defaultValue = "2") int patience;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Mixin PrecisionOption precision;
    @Option(names = "--model-version", defaultValue = "1") String modelVersion;

    @Override
    public Integer call() throws Exception {
        Path spiece = vocab != null ? vocab : init.resolve(OnnxExporter.VOCABULARY_FILE);
        AlbertTokenizer tokenizer = AlbertTokenizer.fromSpieceModel(spiece);
        List<SquadExample> trainExamples = SquadExample.read(train);
        List<SquadExample> validationExamples;
        if (validation != null) {
            validationExamples = SquadExample.read(validation);
        } else {
            DataSplits.Split<SquadExample> split = DataSplits.split(trainExamples, validationSplit, seed);
            trainExamples = split.rest();
            validationExamples = split.held();
        }
        QaData trainData = QaData.encode(trainExamples, tokenizer, maxLength, stride, batchSize, seed);
        QaData validationData = QaData.encode(validationExamples, tokenizer, maxLength, stride, batchSize, seed);
        System.err.printf("train %d questions (%d windows), validation %d questions%n", trainExamples.size(),
                trainData.features().size(), validationExamples.size());
        Files.createDirectories(out);
        FineTuning.Result<SquadMetrics.Score> result;
        try (NDManager manager = NDManager.newBaseManager();
                TrainingReport report = new TrainingReport(out, System.err)) {
            try (AlbertModel model = HfCheckpoint.load(init, AlbertTask.QUESTION_ANSWERING, seed, manager)) {
                result = FineTuning.<QaBatch, SquadMetrics.Score>builder().model(model).objective(new QaObjective())
                        .train(trainData, trainData.batchesPerEpoch())
                        .evaluator(m -> QaObjective.evaluate(m, validationData, maxAnswerLength), SquadMetrics.Score::f1)
                        .epochs(epochs).learningRate(learningRate).warmupFraction(warmup).accumulationSteps(accumulation)
                        .patience(patience).seed(seed).precision(precision.resolve()).output(out).listener(report)
                        .evaluationListener(e -> report.evaluation(e.step(), Map.of("exact_match",
                                e.metrics().exactMatch(), "f1", e.metrics().f1())))
                        .build().run();
            }
            try (AlbertModel model = HfCheckpoint.load(out.resolve(FineTuning.BEST_DIRECTORY), null, seed, manager)) {
                HfCheckpoint.save(model, out);
                OnnxExporter.builder().model(model).modelVersion(modelVersion).vocabulary(spiece).build()
                        .writeModelDirectory(out);
            }
        }
        ObjectNode summary = new ObjectMapper().createObjectNode();
        summary.put("best_epoch", result.best().epoch());
        summary.put("exact_match", result.best().metrics().exactMatch());
        summary.put("f1", result.best().metrics().f1());
        Files.writeString(out.resolve("evaluation.json"),
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        System.out.printf("best epoch %d: exact match %.2f, F1 %.2f; model directory %s%n", result.best().epoch(),
                result.best().metrics().exactMatch(), result.best().metrics().f1(), out);
        return 0;
    }
}
