package dev.flinkalbert.sql;

import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.flink.BatchProcessor;
import dev.flinkalbert.flink.BatchProcessorFactory;
import dev.flinkalbert.flink.Outcome;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.AlbertPredictor;
import dev.flinkalbert.inference.TextInput;
import java.util.ArrayList;
import java.util.List;

/** Runs a spec's predictor on the batches of the shared batcher. */
final class PredictorProcessor implements BatchProcessor<TextInput, Object> {

    private final AlbertModel model;
    private final AlbertPredictor<?> predictor;

    private PredictorProcessor(AlbertModel model, AlbertPredictor<?> predictor) {
        this.model = model;
        this.predictor = predictor;
    }

    static BatchProcessorFactory<TextInput, Object> factory(AlbertModelSpec spec) {
        return () -> {
            AlbertModel model = spec.openModel();
            try {
                return new PredictorProcessor(model, spec.predictor(model));
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        };
    }

    @Override
    public List<Outcome<Object>> process(List<TextInput> batch) {
        List<Outcome<Object>> outcomes = new ArrayList<>(batch.size());
        for (dev.flinkalbert.inference.Outcome<?> outcome : predictor.predict(batch)) {
            outcomes.add(outcome.isSuccess() ? Outcome.success(outcome.value())
                    : Outcome.failure(FailureStage.INFERENCE, outcome.error()));
        }
        return outcomes;
    }

    @Override
    public double paddingRatio() {
        return predictor.paddingRatio();
    }

    @Override
    public void close() {
        try {
            predictor.close();
        } finally {
            model.close();
        }
    }
}
