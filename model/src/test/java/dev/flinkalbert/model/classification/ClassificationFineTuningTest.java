package dev.flinkalbert.model.classification;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.flinkalbert.model.AlbertConfig;
import dev.flinkalbert.model.AlbertModel;
import dev.flinkalbert.model.AlbertTask;
import dev.flinkalbert.model.checkpoint.HfCheckpoint;
import dev.flinkalbert.model.datasets.DatasetRegistry;
import dev.flinkalbert.model.datasets.PublicDataset;
import dev.flinkalbert.model.datasets.RealDatasets;
import dev.flinkalbert.model.training.FineTuning;
import dev.flinkalbert.model.training.StepMetrics;
import dev.flinkalbert.testing.Fixtures;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning the tiny transformers checkpoint on UCI sentences: the training loss falls, each epoch is evaluated,
 * and {@code best/} holds the weights that give the best epoch's validation metrics.
 */
class ClassificationFineTuningTest {

    @Test
    void trainsEvaluatesAndKeepsTheBestEpoch(@TempDir Path dir) throws Exception {
        Path fixture = Fixtures.require("hf-albert-tiny/seqcls");
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Files.copy(RealDatasets.require(PublicDataset.UCI_SENTIMENT),
                cache.resolve(PublicDataset.UCI_SENTIMENT.cacheFileName()));
        List<LabeledText> sentences = DatasetRegistry.builder().cacheDirectory(cache).build()
                .labeledSentences(PublicDataset.UCI_SENTIMENT);
        DataSplits.Split<LabeledText> split = DataSplits.split(sentences.subList(0, 240), 0.25, 3);
        AlbertTokenizer tokenizer = AlbertTokenizer.fromModelDirectory(fixture);
        Map<String, Integer> labels = Map.of("negative", 0, "positive", 1);
        ClassificationData train = ClassificationData.encode(split.rest(), tokenizer, labels, 48, 16, 5L);
        ClassificationData validation = ClassificationData.encode(split.held(), tokenizer, labels, 48, 32, 5L);

        List<StepMetrics> steps = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            AlbertConfig config = HfCheckpoint.config(fixture).toBuilder().id2label(List.of("negative", "positive")).build();
            FineTuning.Result<ClassificationMetrics> result;
            try (AlbertModel model = HfCheckpoint.load(fixture, config, AlbertTask.SEQUENCE_CLASSIFICATION, 7L, manager)) {
                result = FineTuning.<ClassificationBatch, ClassificationMetrics>builder().model(model)
                        .objective(new ClassificationObjective()).train(train, train.batchesPerEpoch())
                        .evaluator(m -> ClassificationObjective.evaluate(m, validation), ClassificationMetrics::macroF1)
                        .epochs(4).learningRate(2e-3f).patience(4).seed(11L).output(dir.resolve("run"))
                        .listener(steps::add).build().run();
            }
            assertEquals(4, result.history().size());
            assertEquals(4 * train.batchesPerEpoch(), steps.size());
            double first = steps.subList(0, 6).stream().mapToDouble(StepMetrics::loss).average().orElseThrow();
            double last = steps.subList(steps.size() - 6, steps.size()).stream().mapToDouble(StepMetrics::loss)
                    .average().orElseThrow();
            assertTrue(last < first, "training loss did not fall: " + first + " -> " + last);

            try (AlbertModel best = HfCheckpoint.load(dir.resolve("run/best"), null, 0L, manager)) {
                assertEquals(List.of("negative", "positive"), best.config().id2label());
                ClassificationMetrics again = ClassificationObjective.evaluate(best, validation);
                assertEquals(result.best().metrics().accuracy(), again.accuracy());
                assertArrayEquals(result.best().metrics().confusion(), again.confusion());
            }
        }
    }
}
