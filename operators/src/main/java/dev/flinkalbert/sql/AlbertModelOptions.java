package dev.flinkalbert.sql;

import dev.flinkalbert.flink.BatchPolicy;
import dev.flinkalbert.inference.AlbertEncoder;
import dev.flinkalbert.inference.AnswerSpec;
import dev.flinkalbert.inference.EmbeddingSpec;
import dev.flinkalbert.inference.Pooling;
import dev.flinkalbert.inference.SessionSettings;
import dev.flinkalbert.inference.TokenClassificationSpec;
import java.time.Duration;
import java.util.List;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The {@code WITH} options of {@code CREATE MODEL … WITH ('provider' = 'albert', …)}, each defined once with its
 * default (the engine's, from {@link dev.flinkalbert.inference.PredictorLimits} and the heads' specs) and
 * description. Keys are the builders' setter names in kebab case ({@code maxBatchSize} → {@code max-batch-size});
 * the keys of earlier versions ({@code batch.size}, {@code qa.stride}, …) still work as deprecated aliases. Which
 * options apply to which task is said by each task's {@link SqlHead}. See {@code docs/sql.md} for the table.
 */
@PublicEvolving
public final class AlbertModelOptions {

    private AlbertModelOptions() {}

    public static final ConfigOption<String> MODEL_DIRECTORY = ConfigOptions.key("model-directory")
            .stringType()
            .noDefaultValue()
            .withDescription("Folder with model.onnx, config.json and spiece.model. It is opened when a query using"
                    + " the model is planned (to check it) and on every TaskManager, so it must be readable on both.");

    public static final ConfigOption<String> TASK = ConfigOptions.key("task")
            .stringType()
            .noDefaultValue()
            .withDescription("classify, embed, qa or ner. Default: the model's own task, recognised from the ONNX"
                    + " graph's outputs (logits [batch, labels], last_hidden_state/pooler_output,"
                    + " start_logits/end_logits, logits [batch, sequence, labels]); when set it must agree with them.");

    public static final ConfigOption<String> DEVICE = ConfigOptions.key("device")
            .stringType()
            .defaultValue(SessionSettings.DEFAULT_DEVICE)
            .withDescription("cpu, cuda or cuda:N; CUDA falls back to the CPU with a warning when unavailable.");

    public static final ConfigOption<Integer> THREADS = ConfigOptions.key("threads")
            .intType()
            .defaultValue(SessionSettings.DEFAULT_INTRA_OP_THREADS)
            .withDescription("ONNX Runtime intra-op threads per model call.");

    public static final ConfigOption<Integer> BATCH_SIZE = ConfigOptions.key("max-batch-size")
            .intType()
            .defaultValue(AlbertEncoder.DEFAULT_MAX_BATCH_SIZE)
            .withDeprecatedKeys("batch.size")
            .withDescription("Most rows per model call. The asynchronous path gathers the rows in flight into batches"
                    + " of up to this many, capped at ML_PREDICT's 'max-concurrent-operations' (rows in flight per"
                    + " subtask, default 10): raise that to at least this value for full batches.");

    public static final ConfigOption<Duration> BATCH_LINGER = ConfigOptions.key("max-linger")
            .durationType()
            .defaultValue(BatchPolicy.DEFAULT_MAX_LINGER)
            .withDeprecatedKeys("batch.linger")
            .withDescription("How long the first row of a batch waits for others (asynchronous path).");

    public static final ConfigOption<Integer> TOKEN_BUDGET = ConfigOptions.key("token-budget")
            .intType()
            .defaultValue(AlbertEncoder.DEFAULT_TOKEN_BUDGET)
            .withDeprecatedKeys("batch.token-budget")
            .withDescription("Most padded tokens (rows × longest row) per ONNX Runtime call; a batch is cut into"
                    + " length-sorted sub-batches within it.");

    public static final ConfigOption<Integer> TOP_K = ConfigOptions.key("top-k")
            .intType()
            .noDefaultValue()
            .withDescription("classify: how many best classes the scores column holds (default: all classes)."
                    + " qa: how many answers, one output row each (default " + AnswerSpec.DEFAULT_TOP_K + ").");

    public static final ConfigOption<Pooling> POOLING = ConfigOptions.key("pooling")
            .enumType(Pooling.class)
            .defaultValue(EmbeddingSpec.DEFAULT_POOLING)
            .withDescription("embed: pooler (the pooler_output head), cls (first token's hidden state) or mean"
                    + " (mean over the real tokens).");

    public static final ConfigOption<Boolean> NORMALIZE = ConfigOptions.key("normalize")
            .booleanType()
            .defaultValue(false)
            .withDescription("embed: scale embeddings to unit L2 norm.");

    public static final ConfigOption<Integer> MAX_LENGTH = ConfigOptions.key("max-length")
            .intType()
            .noDefaultValue()
            .withDescription("Longest tokenized input, [CLS]/[SEP] included; longer inputs are truncated (classify,"
                    + " embed; default: the model's max_position_embeddings) or cut into windows (qa; default "
                    + AnswerSpec.DEFAULT_MAX_LENGTH + "; ner: default the model's max_position_embeddings).");

    public static final ConfigOption<Integer> STRIDE = ConfigOptions.key("stride")
            .intType()
            .noDefaultValue()
            .withDeprecatedKeys("qa.stride")
            .withDescription("qa: context tokens shared by consecutive windows (default " + AnswerSpec.DEFAULT_STRIDE
                    + "). ner: pieces shared by the windows of a text longer than max-length (default "
                    + TokenClassificationSpec.DEFAULT_STRIDE + ").");

    /** @deprecated the option is shared by qa and ner: {@link #STRIDE}. */
    @Deprecated
    public static final ConfigOption<Integer> QA_STRIDE = STRIDE;

    public static final ConfigOption<String> AGGREGATION = ConfigOptions.key("aggregation")
            .stringType()
            .defaultValue(TokenClassificationSpec.DEFAULT_AGGREGATION.pipelineName())
            .withDescription("ner: how tokens become entities, as the token-classification pipeline's"
                    + " aggregation_strategy: none (one entity per token, with its label in 'entity'), simple, first,"
                    + " average or max (entities grouped, their type in 'entity_group').");

    public static final ConfigOption<List<String>> IGNORE_LABELS = ConfigOptions.key("ignore-labels")
            .stringType()
            .asList()
            .defaultValues(TokenClassificationSpec.DEFAULT_IGNORE_LABELS.toArray(new String[0]))
            .withDescription("ner: labels never reported, separated by ';': token labels (B-MISC) or entity groups"
                    + " (MISC); '' reports every label. Default O, as the pipeline's ignore_labels.");

    public static final ConfigOption<Integer> QA_MAX_ANSWER_LENGTH = ConfigOptions.key("max-answer-length")
            .intType()
            .defaultValue(AnswerSpec.DEFAULT_MAX_ANSWER_LENGTH)
            .withDeprecatedKeys("qa.max-answer-length")
            .withDescription("qa: longest answer, in tokens.");

    public static final ConfigOption<Boolean> QA_HANDLE_IMPOSSIBLE_ANSWER =
            ConfigOptions.key("handle-impossible-answer")
                    .booleanType()
                    .defaultValue(false)
                    .withDeprecatedKeys("qa.handle-impossible-answer")
                    .withDescription("qa: let the empty answer compete (SQuAD 2.0 models); it comes out as"
                            + " answer '' with answer_start = answer_end = " + AnswerSpec.NO_ANSWER_OFFSET
                            + ", as in the Avro results.");
}
