package dev.flinkalbert.sql;

import dev.flinkalbert.flink.BatchPolicy;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.AlbertPredictor;
import dev.flinkalbert.inference.Answerer;
import dev.flinkalbert.inference.Classifier;
import dev.flinkalbert.inference.Embedder;
import dev.flinkalbert.inference.Pooling;
import dev.flinkalbert.inference.SessionSettings;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a predict function needs to open the model where it runs: the validated {@code WITH} options and the
 * checked column layout. Serializable, so that it travels with the job graph; native resources are made in the
 * functions' {@code open}.
 *
 * @param topK null: all classes (classify), {@link Answerer#DEFAULT_TOP_K} (qa)
 * @param maxLength null: the predictor's default
 */
record AlbertModelSpec(
        String modelDirectory,
        SessionSettings session,
        int batchSize,
        Duration linger,
        int tokenBudget,
        Integer topK,
        Pooling pooling,
        boolean normalize,
        Integer maxLength,
        int stride,
        int maxAnswerLength,
        boolean handleImpossibleAnswer,
        ModelColumns.Layout layout) implements Serializable {

    /** Opens (or joins) the shared ONNX Runtime session of the model; the caller closes it. */
    AlbertModel openModel() {
        return AlbertModel.builder().modelDirectory(Path.of(modelDirectory)).sessionSettings(session).build();
    }

    /** A thread-confined predictor for the task, with this spec's settings (checked against the model). */
    AlbertPredictor<?> predictor(AlbertModel model) {
        return switch (layout.task()) {
            case CLASSIFY -> {
                Classifier.Builder b = model.classifier().topK(topK != null ? topK : model.labels().size())
                        .maxBatchSize(batchSize).tokenBudget(tokenBudget);
                yield (maxLength != null ? b.maxLength(maxLength) : b).build();
            }
            case EMBED -> {
                Embedder.Builder b = model.embedder().pooling(pooling).normalize(normalize)
                        .maxBatchSize(batchSize).tokenBudget(tokenBudget);
                yield (maxLength != null ? b.maxLength(maxLength) : b).build();
            }
            case QA -> {
                Answerer.Builder b = model.answerer().topK(topK != null ? topK : Answerer.DEFAULT_TOP_K)
                        .stride(stride).maxAnswerLength(maxAnswerLength).handleImpossibleAnswer(handleImpossibleAnswer)
                        .maxBatchSize(batchSize).tokenBudget(tokenBudget);
                yield (maxLength != null ? b.maxLength(maxLength) : b).build();
            }
        };
    }

    /** When the asynchronous path flushes a batch. */
    BatchPolicy batchPolicy() {
        return BatchPolicy.of(batchSize, linger, BatchPolicy.UNLIMITED_COST);
    }

    /**
     * The name of the per-TaskManager batcher: every query (and subtask) using the same model with the same
     * settings shares one batcher, and so fills its batches together.
     */
    String batcherName() {
        return "albert-sql:" + this;
    }
}
