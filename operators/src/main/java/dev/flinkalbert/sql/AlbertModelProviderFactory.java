package dev.flinkalbert.sql;

import static dev.flinkalbert.sql.AlbertModelOptions.BATCH_LINGER;
import static dev.flinkalbert.sql.AlbertModelOptions.BATCH_SIZE;
import static dev.flinkalbert.sql.AlbertModelOptions.DEVICE;
import static dev.flinkalbert.sql.AlbertModelOptions.MAX_LENGTH;
import static dev.flinkalbert.sql.AlbertModelOptions.MODEL_DIRECTORY;
import static dev.flinkalbert.sql.AlbertModelOptions.NORMALIZE;
import static dev.flinkalbert.sql.AlbertModelOptions.POOLING;
import static dev.flinkalbert.sql.AlbertModelOptions.QA_HANDLE_IMPOSSIBLE_ANSWER;
import static dev.flinkalbert.sql.AlbertModelOptions.QA_MAX_ANSWER_LENGTH;
import static dev.flinkalbert.sql.AlbertModelOptions.QA_STRIDE;
import static dev.flinkalbert.sql.AlbertModelOptions.TASK;
import static dev.flinkalbert.sql.AlbertModelOptions.THREADS;
import static dev.flinkalbert.sql.AlbertModelOptions.TOKEN_BUDGET;
import static dev.flinkalbert.sql.AlbertModelOptions.TOP_K;

import dev.flinkalbert.flink.AlbertTask;
import dev.flinkalbert.flink.BatchPolicy;
import dev.flinkalbert.inference.AlbertModel;
import dev.flinkalbert.inference.Answerer;
import dev.flinkalbert.inference.InvalidModelException;
import dev.flinkalbert.inference.SessionSettings;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.annotation.PublicEvolving;
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

    /** Options that apply to some tasks only; a model of another task refuses them. */
    private static final Map<ConfigOption<?>, Set<TaskOption>> TASK_OPTIONS = Map.of(
            TOP_K, EnumSet.of(TaskOption.CLASSIFY, TaskOption.QA),
            POOLING, EnumSet.of(TaskOption.EMBED),
            NORMALIZE, EnumSet.of(TaskOption.EMBED),
            QA_STRIDE, EnumSet.of(TaskOption.QA),
            QA_MAX_ANSWER_LENGTH, EnumSet.of(TaskOption.QA),
            QA_HANDLE_IMPOSSIBLE_ANSWER, EnumSet.of(TaskOption.QA));

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
        return Set.of(TASK, DEVICE, THREADS, BATCH_SIZE, BATCH_LINGER, TOKEN_BUDGET, TOP_K, POOLING, NORMALIZE,
                MAX_LENGTH, QA_STRIDE, QA_MAX_ANSWER_LENGTH, QA_HANDLE_IMPOSSIBLE_ANSWER);
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
        atLeast(options, QA_STRIDE, 0);
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
            TaskOption task = TaskOption.of(albert.task());
            if (options.getOptional(TASK).filter(t -> t != task).isPresent()) {
                throw new ValidationException("Model " + model + " has '" + TASK.key() + "' = '"
                        + options.get(TASK).name().toLowerCase(Locale.ROOT) + "' but " + albert.directory()
                        + " is a " + task.name().toLowerCase(Locale.ROOT) + " model (outputs " + albert.outputNames()
                        + "): remove the option or point '" + MODEL_DIRECTORY.key() + "' at another model");
            }
            List<String> misplaced = TASK_OPTIONS.entrySet().stream()
                    .filter(e -> !e.getValue().contains(task)
                            && catalogModel.getOptions().containsKey(e.getKey().key()))
                    .map(e -> "'" + e.getKey().key() + "' applies to " + e.getValue().stream()
                            .map(t -> t.name().toLowerCase(Locale.ROOT)).sorted().toList() + " models")
                    .toList();
            if (!misplaced.isEmpty()) {
                throw new ValidationException("Model " + model + " is a " + task.name().toLowerCase(Locale.ROOT)
                        + " model: remove " + String.join(", ", misplaced));
            }
            options.getOptional(MAX_LENGTH).ifPresent(length -> {
                if (length < 3 || length > albert.maxLength()) {
                    throw new ValidationException("Option '" + MAX_LENGTH.key() + "' of model " + model
                            + " must be between 3 and the model's max_position_embeddings " + albert.maxLength()
                            + ", got " + length);
                }
            });
            ModelColumns.Layout layout = ModelColumns.check(task, catalogModel.getResolvedInputSchema(),
                    catalogModel.getResolvedOutputSchema());
            AlbertTask<?> engineTask;
            try {
                engineTask = engineTask(task, albert, options, session);
                engineTask.open().close(); // checks the options against the model (pooling, stride vs length)
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new ValidationException("Options of model " + model + " do not fit " + albert.directory()
                        + ": " + e.getMessage());
            }
            BatchPolicy policy = BatchPolicy.of(options.get(BATCH_SIZE), options.get(BATCH_LINGER),
                    BatchPolicy.UNLIMITED_COST);
            return new AlbertModelProvider(new AlbertModelSpec(engineTask, policy, layout,
                    batcherName(albert.directory().toString(), catalogModel.getOptions()),
                    context.getConfiguration().get(
                            ExecutionConfigOptions.TABLE_EXEC_ASYNC_ML_PREDICT_MAX_CONCURRENT_OPERATIONS)));
        }
    }

    /** The engine task with the options that apply to the model's task (the others are left at their defaults). */
    private static AlbertTask<?> engineTask(TaskOption task, AlbertModel albert, ReadableConfig options,
            SessionSettings session) {
        AlbertTask.Builder<?> builder = switch (task) {
            case CLASSIFY -> AlbertTask.classification(albert.directory())
                    .topK(options.getOptional(TOP_K).orElse(albert.labels().size()));
            case EMBED -> AlbertTask.embeddings(albert.directory())
                    .pooling(options.get(POOLING))
                    .normalize(options.get(NORMALIZE));
            case QA -> AlbertTask.questionAnswering(albert.directory())
                    .topK(options.getOptional(TOP_K).orElse(Answerer.DEFAULT_TOP_K))
                    .stride(options.get(QA_STRIDE))
                    .maxAnswerLength(options.get(QA_MAX_ANSWER_LENGTH))
                    .handleImpossibleAnswer(options.get(QA_HANDLE_IMPOSSIBLE_ANSWER));
        };
        builder.sessionSettings(session)
                .maxBatchSize(options.get(BATCH_SIZE))
                .tokenBudget(options.get(TOKEN_BUDGET));
        options.getOptional(MAX_LENGTH).ifPresent(builder::maxLength);
        return builder.build();
    }

    /** One batcher per model directory and option set: equal declarations share it, others never do. */
    private static String batcherName(String directory, Map<String, String> options) {
        return "albert-sql:" + directory + new TreeMap<>(options);
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
