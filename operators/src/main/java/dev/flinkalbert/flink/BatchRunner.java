package dev.flinkalbert.flink;

import dev.flinkalbert.inference.Outcome;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@link BatchProcessor} on one batch and isolates failing records: when {@code process} throws, the batch is
 * split in halves, recursively, until the records that fail alone are found; they get a failure outcome with the
 * exception, the others their results. Shared by the operator and the {@link SharedBatcher}.
 */
final class BatchRunner<IN, OUT> {

    private final BatchProcessor<IN, OUT> processor;

    BatchRunner(BatchProcessor<IN, OUT> processor) {
        this.processor = processor;
    }

    /**
     * @param metrics receives one {@link BatchMetrics#processed} per successful process call
     * @return one outcome per record, in order
     * @throws InterruptedException when the processor was interrupted (the task is cancelled)
     * @throws IllegalStateException when the processor breaks its contract (wrong number of outcomes)
     */
    List<Outcome<OUT>> run(List<IN> batch, BatchMetrics metrics) throws InterruptedException {
        return run(batch, () -> processor.process(batch), metrics);
    }

    /**
     * As {@link #run(List, BatchMetrics)}, for a batch already {@link BatchProcessor#prepare prepared}: its run
     * first, then, if it throws, the bisection with {@link BatchProcessor#process}.
     */
    List<Outcome<OUT>> run(List<IN> batch, BatchProcessor.PreparedBatch<OUT> work, BatchMetrics metrics)
            throws InterruptedException {
        long start = System.nanoTime();
        List<Outcome<OUT>> outcomes;
        try {
            outcomes = work.run();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            if (batch.size() == 1) {
                return List.of(Outcome.failure(e));
            }
            int half = batch.size() / 2;
            List<Outcome<OUT>> joined = new ArrayList<>(batch.size());
            joined.addAll(run(batch.subList(0, half), metrics));
            joined.addAll(run(batch.subList(half, batch.size()), metrics));
            return joined;
        }
        if (outcomes == null || outcomes.size() != batch.size() || outcomes.stream().anyMatch(o -> o == null)) {
            throw new IllegalStateException(processor.getClass().getName() + " must return one non-null outcome per"
                    + " record: got " + (outcomes == null ? "null" : outcomes.size() + " outcomes")
                    + " for " + batch.size() + " records");
        }
        metrics.processed(batch.size(), System.nanoTime() - start, processor.paddingRatio());
        return outcomes;
    }
}
