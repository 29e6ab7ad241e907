package dev.flinkalbert.sql;

import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.AlbertPredictor;
import dev.flinkalbert.inference.Outcome;
import java.util.Collection;
import java.util.List;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The synchronous {@code ML_PREDICT} path ({@code MAP['async', 'false']}): each row runs through the model alone,
 * on the task thread, with a predictor of this subtask's own. Simple and latency-friendly; the asynchronous
 * {@link AlbertAsyncPredictFunction} gives more rows per second on busy streams. Public because the planner's
 * generated code calls it.
 */
public final class AlbertPredictFunction extends PredictFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AlbertPredictFunction.class);

    private final AlbertModelSpec spec;
    private final PredictionRows rows;
    private transient AlbertModel model;
    private transient AlbertPredictor<?> predictor;

    AlbertPredictFunction(AlbertModelSpec spec) {
        this.spec = spec;
        this.rows = new PredictionRows(spec.layout());
    }

    @Override
    public void open(FunctionContext context) {
        model = spec.openModel();
        predictor = spec.predictor(model);
    }

    @Override
    public Collection<RowData> predict(RowData input) {
        Outcome<?> outcome = predictor.predict(List.of(rows.input(input))).get(0);
        if (outcome.isSuccess()) {
            return rows.rows(outcome.value());
        }
        LOG.warn("ALBERT model {}: a row failed: {}", spec.modelDirectory(), outcome.error().toString());
        return List.of(rows.failure(outcome.error().getMessage()));
    }

    @Override
    public void close() {
        if (predictor != null) {
            predictor.close();
        }
        if (model != null) {
            model.close();
        }
    }
}
