package dev.flinkalbert.sql;

import dev.flinkalbert.flink.BatchProcessor;
import dev.flinkalbert.inference.Outcome;
import dev.flinkalbert.inference.TextInput;
import java.util.Collection;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The synchronous {@code ML_PREDICT} path ({@code MAP['async', 'false']}): each row runs through the model alone,
 * on the task thread, with a processor of this subtask's own (on the model's shared ONNX Runtime session). Simple
 * and latency-friendly; the asynchronous
 * {@link AlbertAsyncPredictFunction} gives more rows per second on busy streams. Public because the planner's
 * generated code calls it.
 */
@Internal
public final class AlbertPredictFunction extends PredictFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AlbertPredictFunction.class);

    private final AlbertModelSpec spec;
    private final PredictionRows rows;
    private transient BatchProcessor<TextInput, ?> processor;

    AlbertPredictFunction(AlbertModelSpec spec) {
        this.spec = spec;
        this.rows = new PredictionRows(spec.layout());
    }

    @Override
    public void open(FunctionContext context) {
        processor = spec.task().create();
    }

    @Override
    public Collection<RowData> predict(RowData input) {
        Outcome<?> outcome;
        try {
            outcome = processor.process(List.of(rows.input(input))).get(0);
        } catch (RuntimeException e) {
            // What the shared batcher's bisection makes of a batch that throws on one row alone.
            outcome = Outcome.failure(e);
        } catch (Exception e) {
            throw new FlinkRuntimeException("ALBERT model " + spec.task().modelDirectory() + " failed", e);
        }
        if (outcome.isSuccess()) {
            return rows.rows(outcome.value());
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("ALBERT model {}: a row failed: {}", spec.task().modelDirectory(), outcome.error().toString());
        }
        return List.of(rows.failure(outcome.error().getMessage()));
    }

    @Override
    public void close() throws Exception {
        if (processor != null) {
            processor.close();
        }
    }
}
