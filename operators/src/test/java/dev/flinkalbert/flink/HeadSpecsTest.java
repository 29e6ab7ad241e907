package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.inference.EntityAggregation;
import dev.flinkalbert.inference.TokenClassificationSpec;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.Answer;
import dev.flinkalbert.inference.AnswerSpec;
import dev.flinkalbert.inference.ClassificationSpec;
import dev.flinkalbert.inference.EmbeddingSpec;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.PredictorLimits;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The head specs and the head descriptor: {@code build()} lists every problem at once, each layer finds a head by
 * its {@link ModelTask}, and the defaults that were defined in several places agree.
 */
class HeadSpecsTest {

    @Test
    void operatorBuildListsEveryMissingOrBadSettingAtOnce() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AlbertClassifier.builder()
                .maxBatchSize(0).tokenBudget(0).flushBatches(0).maxLinger(Duration.ZERO).maxLength(2).topK(0)
                .build());
        String message = e.getMessage();
        assertTrue(message.startsWith("set modelDirectory(path)"), message);
        for (String part : List.of("maxBatchSize must be at least 1, got 0", "tokenBudget must be at least 1, got 0",
                "flushBatches must be at least 1, got 0", "maxLinger must be at least 1 ms",
                "maxLength must be at least 3, got 2", "topK must be at least 1, got 0")) {
            assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
        }
    }

    @Test
    void headSettingsAndOperatorSettingsAreReportedTogether() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AlbertAnswerer.builder()
                .modelDirectory(Path.of("m")).stride(-1).maxAnswerLength(0).questions(List.of("Who?", " "))
                .build());
        for (String part : List.of("stride must be at least 0, got -1", "maxAnswerLength must be at least 1, got 0",
                "questions must not be blank")) {
            assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
        }
    }

    @Test
    void taskBuildListsLimitsAndSpecProblemsTogether() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AlbertTask
                .builder(ModelLocation.local(Path.of("m")), ClassificationSpec.DEFAULTS.withTopK(-2))
                .limits(new PredictorLimits(0, 1, null)).build());
        assertTrue(e.getMessage().contains("maxBatchSize must be at least 1, got 0"), e.getMessage());
        assertTrue(e.getMessage().contains("topK must be at least 1, got -2"), e.getMessage());
    }

    @Test
    void optionsThatNeedTheModelAreCheckedTogetherOnIt() {
        Path qa = Fixtures.require("hf-albert-tiny/qa");
        try (AlbertModel model = AlbertModel.builder().modelDirectory(qa).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.predictor(
                    AnswerSpec.DEFAULTS.withStride(200).withTopK(0),
                    PredictorLimits.DEFAULTS.withMaxLength(128).withTokenBudget(0)));
            for (String part : List.of("stride must be between 0 and maxLength 128, got 200",
                    "topK must be at least 1, got 0", "tokenBudget must be at least 1, got 0")) {
                assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
            }
        }
    }

    @Test
    void everyLayerFindsTheHeadByItsTask() {
        assertEquals(ModelTask.QUESTION_ANSWERING, ModelTask.fromOptionValue(" QA "));
        assertEquals(ModelTask.EMBEDDINGS, ModelTask.fromOptionValue("embed"));
        assertEquals(ModelTask.TOKEN_CLASSIFICATION, ModelTask.fromOptionValue("ner"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ModelTask.fromOptionValue("pos"));
        assertTrue(unknown.getMessage().contains("classify, embed, ner, qa"), unknown.getMessage());
        for (ModelTask task : ModelTask.values()) {
            assertEquals(task, task.defaults().task(), task + "'s default spec");
            AlbertTransform<?, ?> operator = AlbertTransform.builder(task).modelDirectory(Path.of("m")).build();
            assertEquals(task, operator.task().task(), task + "'s operator");
        }
        assertEquals(List.of("question", "context"), List.of(ModelTask.QUESTION_ANSWERING.inputFields()));
        assertEquals(List.of("text", "text_pair"), List.of(ModelTask.CLASSIFICATION.inputFields()));
    }

    @Test
    void defaultsAreTheSameInEveryLayer() {
        // batch size: one constant, 32 (the documented default) for the engine, the operators and the SQL options
        assertEquals(32, PredictorLimits.DEFAULTS.maxBatchSize());
        assertEquals(32, BatchPolicy.DEFAULT_MAX_RECORDS);
        assertEquals(32, AlbertClassifier.builder().modelDirectory(Path.of("m")).build().task().limits().maxBatchSize());
        // classification lists every label by default, in the engine as in the operator
        assertEquals(ClassificationSpec.ALL_LABELS, ClassificationSpec.DEFAULTS.topK());
        assertEquals(ClassificationSpec.DEFAULTS,
                AlbertClassifier.builder().modelDirectory(Path.of("m")).build().task().spec());
        assertEquals(EmbeddingSpec.DEFAULTS,
                AlbertEmbedder.builder().modelDirectory(Path.of("m")).build().task().spec());
        // Hugging Face's question-answering pipeline: top 1, stride 128, answers of at most 15 tokens
        assertEquals(new AnswerSpec(1, 128, 15, false),
                AlbertAnswerer.builder().modelDirectory(Path.of("m")).build().task().spec());
        // Hugging Face's token-classification pipeline: aggregation none, ignore_labels ["O"]; windows share 128
        assertEquals(new TokenClassificationSpec(EntityAggregation.NONE, Set.of("O"), 128),
                AlbertTokenClassifier.builder().modelDirectory(Path.of("m")).build().task().spec());
    }

    @Test
    void noAnswerIsMinusOneEverywhere() {
        Answer empty = new Answer("", 0.7, 0, 0);   // the empty answer of a SQuAD 2.0 model
        assertEquals(-1, AnswerSpec.offset(empty, true));
        assertEquals(-1, AnswerSpec.offset(empty, false));
        assertEquals(-1, AnswerSpec.offset(null, true));
        Answer paris = new Answer("Paris", 0.9, 12, 17);
        assertEquals(12, AnswerSpec.offset(paris, true));
        assertEquals(17, AnswerSpec.offset(paris, false));
    }
}
