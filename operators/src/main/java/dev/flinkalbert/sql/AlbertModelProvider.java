package dev.flinkalbert.sql;

import org.apache.flink.table.api.config.MLPredictRuntimeConfigOptions;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;

/**
 * Both prediction paths of one checked model: Flink's planner takes the asynchronous one unless the query asks for
 * {@code MAP['async', 'false']} in {@code ML_PREDICT}.
 */
final class AlbertModelProvider implements PredictRuntimeProvider, AsyncPredictRuntimeProvider {

    private final AlbertModelSpec spec;

    AlbertModelProvider(AlbertModelSpec spec) {
        this.spec = spec;
    }

    AlbertModelSpec spec() {
        return spec;
    }

    @Override
    public PredictFunction createPredictFunction(Context context) {
        return new AlbertPredictFunction(spec);
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        int inFlight = context.runtimeConfig()
                .getOptional(MLPredictRuntimeConfigOptions.ASYNC_MAX_CONCURRENT_OPERATIONS)
                .orElse(spec.defaultMaxConcurrentOperations());
        return new AlbertAsyncPredictFunction(spec, spec.batchPolicy(inFlight));
    }

    @Override
    public AlbertModelProvider copy() {
        return new AlbertModelProvider(spec);
    }
}
