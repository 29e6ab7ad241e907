package dev.flinkalbert.sql;

import static dev.flinkalbert.sql.AlbertModelOptions.BATCH_LINGER;
import static dev.flinkalbert.sql.AlbertModelOptions.BATCH_SIZE;
import static dev.flinkalbert.sql.AlbertModelOptions.DEVICE;
import static dev.flinkalbert.sql.AlbertModelOptions.MAX_LENGTH;
import static dev.flinkalbert.sql.AlbertModelOptions.MODEL_DIRECTORY;
import static dev.flinkalbert.sql.AlbertModelOptions.QA_MAX_ANSWER_LENGTH;
import static dev.flinkalbert.sql.AlbertModelOptions.STRIDE;
import static dev.flinkalbert.sql.AlbertModelOptions.TASK;
import static dev.flinkalbert.sql.AlbertModelOptions.THREADS;
import static dev.flinkalbert.sql.AlbertModelOptions.TOKEN_BUDGET;
import static dev.flinkalbert.sql.AlbertModelOptions.TOP_K;

import dev.flinkalbert.flink.AlbertTask;
import dev.flinkalbert.flink.BatchPolicy;
import dev.flinkalbert.flink.ModelLocation;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.InvalidModelException;
import dev.flinkalbert.inference.ModelTask;
import dev.flinkalbert.inference.PredictorLimits;
import dev.flinkalbert.inference.SessionSettings;
import dev.flinkalbert.inference.TaskSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;

/**
 * The {@code 'provider' = 'albert'} model provider for Flink SQL's {@code CREATE MODEL} and {@code ML_PREDICT},
 * found by Flink's factory discovery ({@code META-INF/services/org.apache.flink.table.factories.Factory}).
 *
 * <pre>{@code
 * CREATE MODEL sentiment
 *   INPUT (text STRING)
 *   OUTPUT (label STRING, score FLOAT, scores MAP<STRING, FLOAT>)
 *   WITH ('provider' = 'albert', 'model-directory' = '/models/sentiment');
 *
 * SELECT id, text, label, score FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(text));
 * }</pre>
 *
 * <p>Flink calls this factory when it plans a query that uses the model. It rejects unknown or missing options,
 * opens the model directory once (its files and its ONNX graph are checked, and its task recognised), checks the
 * declared columns against the task ({@link ModelColumns}) and the options against the model, so that a wrong model
 * fails the statement, not the first row.
 */
@PublicEvolving
public final class AlbertModelProviderFactory implements ModelProviderFactory {

    /** The {@code 'provider'} value. */
    public static final String IDENTIFIER = "albert";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(MODEL_DIRECTORY);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> options = new java.util.HashSet<>(
                Set.of(TASK, DEVICE, THREADS, BATCH_SIZE, BATCH_LINGER, TOKEN_BUDGET, MAX_LENGTH));
        for (ModelTask task : ModelTask.values()) {
            options.addAll(SqlHead.of(task).options());
        }
        return options;
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        String model = context.getObjectIdentifier().asSummaryString();
        atLeast(options, THREADS, 1);
        atLeast(options, BATCH_SIZE, 1);
        atLeast(options, TOKEN_BUDGET, 1);
        atLeast(options, QA_MAX_ANSWER_LENGTH, 1);
        options.getOptional(STRIDE).ifPresent(stride -> atLeast(options, STRIDE, 0));
        options.getOptional(TOP_K).ifPresent(k -> atLeast(options, TOP_K, 1));
        if (options.get(BATCH_LINGER).toMillis() < 1) {
            throw new ValidationException("Option '" + BATCH_LINGER.key() + "' of model " + model
                    + " must be at least 1 ms, got " + options.get(BATCH_LINGER));
        }
        SessionSettings session;
        try {
            session = new SessionSettings(options.get(DEVICE), options.get(THREADS),
                    SessionSettings.DEFAULT_INTER_OP_THREADS, SessionSettings.DEFAULT_OPTIMIZATION_LEVEL);
        } catch (IllegalArgumentException e) {
            throw new ValidationException("Option '" + DEVICE.key() + "' of model " + model + ": " + e.getMessage());
        }
        ResolvedCatalogModel catalogModel = context.getCatalogModel();
        // Open the model once to learn its task (and check its directory); the engine task opened below joins its
        // ONNX Runtime session instead of loading the graph again.
        try (AlbertModel albert = openChecked(model, options.get(MODEL_DIRECTORY), session)) {
            ModelTask task = albert.task();
            options.getOptional(TASK).ifPresent(declared -> {
                ModelTask wanted;
                try {
                    wanted = ModelTask.fromOptionValue(declared);
                } catch (IllegalArgumentException e) {
                    throw new ValidationException("Option '" + TASK.key() + "' of model " + model + ": "
                            + e.getMessage());
                }
                if (wanted != task) {
                    throw new ValidationException("Model " + model + " has '" + TASK.key() + "' = '"
                            + wanted.optionValue() + "' but " + albert.directory() + " is a " + task.optionValue()
                            + " model (outputs " + albert.outputNames() + "): remove the option or point '"
                            + MODEL_DIRECTORY.key() + "' at another model");
                }
            });
            SqlHead<?> head = SqlHead.of(task);
            List<String> misplaced = misplaced(head, catalogModel.getOptions().keySet());
            if (!misplaced.isEmpty()) {
                throw new ValidationException("Model " + model + " is a " + task.optionValue()
                        + " model: remove " + String.join(", ", misplaced));
            }
            options.getOptional(MAX_LENGTH).ifPresent(length -> {
                if (length < PredictorLimits.MIN_MAX_LENGTH || length > albert.maxLength()) {
                    throw new ValidationException("Option '" + MAX_LENGTH.key() + "' of model " + model
                            + " must be between " + PredictorLimits.MIN_MAX_LENGTH + " and the model's"
                            + " max_position_embeddings " + albert.maxLength() + ", got " + length);
                }
            });
            ModelColumns.Layout layout = ModelColumns.check(task, catalogModel.getResolvedInputSchema(),
                    catalogModel.getResolvedOutputSchema());
            TaskSpec<?> spec = head.spec(options, layout.outputs());
            AlbertTask<?> engineTask;
            try {
                engineTask = AlbertTask.builder(ModelLocation.local(albert.directory()), spec)
                        .sessionSettings(session)
                        .limits(new PredictorLimits(options.get(BATCH_SIZE), options.get(TOKEN_BUDGET),
                                options.getOptional(MAX_LENGTH).orElse(null)))
                        .build();
                engineTask.open().close(); // checks the options against the model (pooling, stride vs length)
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new ValidationException("Options of model " + model + " do not fit " + albert.directory()
                        + ": " + e.getMessage());
            }
            BatchPolicy policy = BatchPolicy.of(options.get(BATCH_SIZE), options.get(BATCH_LINGER),
                    BatchPolicy.UNLIMITED_COST);
            return new AlbertModelProvider(new AlbertModelSpec(engineTask, policy, layout,
                    batcherName(albert.directory().toString(), catalogModel.getOptions(),
                            spec.equals(head.spec(options)) ? null : spec),
                    context.getConfiguration().get(
                            ExecutionConfigOptions.TABLE_EXEC_ASYNC_ML_PREDICT_MAX_CONCURRENT_OPERATIONS)));
        }
    }

    /**
     * The options set (under their key or a deprecated one) that belong to other tasks only, each named as it was
     * written, with the tasks it applies to.
     */
    private static List<String> misplaced(SqlHead<?> head, Set<String> written) {
        List<String> misplaced = new ArrayList<>();
        Set<ConfigOption<?>> own = head.options();
        for (ConfigOption<?> option : new AlbertModelProviderFactory().optionalOptions()) {
            if (own.contains(option)) {
                continue;
            }
            List<String> tasks = Arrays.stream(ModelTask.values())
                    .filter(t -> SqlHead.of(t).options().contains(option))
                    .map(ModelTask::optionValue).sorted().toList();
            if (tasks.isEmpty()) {
                continue; // an option every task reads
            }
            keys(option).filter(written::contains).forEach(key ->
                    misplaced.add("'" + key + "' applies to " + tasks + " models"));
        }
        misplaced.sort(null);
        return misplaced;
    }

    private static Stream<String> keys(ConfigOption<?> option) {
        return Stream.concat(Stream.of(option.key()),
                StreamSupport.stream(option.fallbackKeys().spliterator(), false).map(FallbackKey::getKey));
    }

    /**
     * One batcher per model directory and option set: equal declarations share it, others never do; nor do
     * declarations whose output columns trim the spec ({@code trimmed}, else null) and those whose columns do not.
     */
    private static String batcherName(String directory, Map<String, String> options, TaskSpec<?> trimmed) {
        return "albert-sql:" + directory + new TreeMap<>(options) + (trimmed == null ? "" : " " + trimmed);
    }

    private static AlbertModel openChecked(String model, String directory, SessionSettings session) {
        try {
            return AlbertModel.builder().modelDirectory(Path.of(directory)).sessionSettings(session)
                    .build();
        } catch (InvalidModelException e) {
            throw new ValidationException("Model " + model + ": option '" + MODEL_DIRECTORY.key() + "' = '"
                    + directory + "' is not usable. " + e.getMessage(), e);
        }
    }

    private static void atLeast(ReadableConfig options, ConfigOption<Integer> option, int min) {
        int value = options.get(option);
        if (value < min) {
            throw new ValidationException("Option '" + option.key() + "' must be at least " + min + ", got " + value);
        }
    }
}
