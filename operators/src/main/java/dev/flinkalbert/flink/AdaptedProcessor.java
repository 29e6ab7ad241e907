package dev.flinkalbert.flink;

import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.inference.Outcome;

import org.apache.flink.util.function.SerializableFunction;

import java.util.ArrayList;
import java.util.List;

/** {@link BatchProcessorFactory#adapt}: a processor seen through an input and a result mapping. */
@SuppressWarnings("try") // close() passes on whatever the underlying processor throws
final class AdaptedProcessor<T, IN, OUT, R> implements BatchProcessor<T, R> {

    private final BatchProcessor<IN, OUT> processor;
    private final SerializableFunction<T, IN> input;
    private final BatchProcessorFactory.ResultFunction<T, OUT, R> result;

    AdaptedProcessor(BatchProcessor<IN, OUT> processor, SerializableFunction<T, IN> input,
            BatchProcessorFactory.ResultFunction<T, OUT, R> result) {
        this.processor = processor;
        this.input = input;
        this.result = result;
    }

    @Override
    public List<Outcome<R>> process(List<T> batch) throws Exception {
        return results(batch, processor.process(inputs(batch)));
    }

    @Override
    public PreparedBatch<R> prepare(List<T> batch) throws Exception {
        PreparedBatch<OUT> prepared = processor.prepare(inputs(batch));
        return () -> results(batch, prepared.run());
    }

    private List<IN> inputs(List<T> batch) {
        List<IN> inputs = new ArrayList<>(batch.size());
        for (T record : batch) {
            inputs.add(input.apply(record));
        }
        return inputs;
    }

    private List<Outcome<R>> results(List<T> batch, List<Outcome<OUT>> outcomes) {
        List<Outcome<R>> results = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Outcome<OUT> outcome = outcomes.get(i);
            if (!outcome.isSuccess()) {
                results.add(Outcome.failure(outcome.error()));
                continue;
            }
            try {
                results.add(Outcome.success(result.apply(batch.get(i), outcome.value())));
            } catch (Exception e) {
                results.add(Outcome.failure(e));
            }
        }
        return results;
    }

    @Override
    public long cost(T record) {
        return processor.cost(input.apply(record));
    }

    @Override
    public double paddingRatio() {
        return processor.paddingRatio();
    }

    @Override
    public FailureStage failureStage(Exception error) {
        return processor.failureStage(error);
    }

    @Override
    public void close() throws Exception {
        processor.close();
    }
}
