package dev.flinkalbert.inference;

import java.util.Arrays;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The head descriptor: what an ALBERT ONNX model computes, recognised from the names of its outputs, and how every
 * layer names it. One constant per head; what a head does is its {@link TaskSpec} ({@link #defaults()}), how its
 * results are written is the head's type in each output layer (the DataStream operator's Avro result, the SQL
 * columns, {@code predict}'s JSON), which all start from this constant instead of switching on it.
 */
@PublicEvolving
public enum ModelTask {
    /** {@code last_hidden_state [batch, sequence, hidden]}, optionally {@code pooler_output [batch, hidden]}. */
    EMBEDDINGS("embed", "feature-extraction", false, () -> EmbeddingSpec.DEFAULTS,
            ModelContract.LAST_HIDDEN_STATE, ModelContract.POOLER_OUTPUT),
    /** {@code logits [batch, num_labels]}. */
    CLASSIFICATION("classify", "text-classification", false, () -> ClassificationSpec.DEFAULTS,
            ModelContract.LOGITS),
    /** {@code start_logits} and {@code end_logits}, both {@code [batch, sequence]}. */
    QUESTION_ANSWERING("qa", "question-answering", true, () -> AnswerSpec.DEFAULTS,
            ModelContract.START_LOGITS, ModelContract.END_LOGITS),
    /** {@code logits [batch, sequence, num_labels]}: a label per token (named entities). */
    TOKEN_CLASSIFICATION("ner", "token-classification", false, () -> TokenClassificationSpec.DEFAULTS,
            ModelContract.LOGITS);

    private final String optionValue;
    private final String exportTask;
    private final boolean questionInput;
    private final Supplier<TaskSpec<?>> defaults;
    private final Set<String> outputs;

    ModelTask(String optionValue, String exportTask, boolean questionInput, Supplier<TaskSpec<?>> defaults,
            String... outputs) {
        this.optionValue = optionValue;
        this.exportTask = exportTask;
        this.questionInput = questionInput;
        this.defaults = defaults;
        this.outputs = Set.of(outputs);
    }

    /**
     * The task's name as the CLI (the job's sub-command, {@code --task}), SQL ({@code 'task'}) and the demo spell
     * it: {@code classify}, {@code embed}, {@code qa}, {@code ner}.
     */
    public String optionValue() {
        return optionValue;
    }

    /**
     * The task as Hugging Face's exporters and pipelines name it ({@code optimum-cli export onnx --task …}):
     * {@code text-classification}, {@code feature-extraction}, {@code question-answering},
     * {@code token-classification}; used in messages that say how to make a model of this task.
     */
    public String exportTask() {
        return exportTask;
    }

    /** The task named {@code value} as {@link #optionValue()} spells it (any case). */
    public static ModelTask fromOptionValue(String value) {
        for (ModelTask task : values()) {
            if (task.optionValue.equalsIgnoreCase(value.trim())) {
                return task;
            }
        }
        throw new IllegalArgumentException("unknown task '" + value + "': use one of " + Arrays.stream(values())
                .map(ModelTask::optionValue).sorted().collect(Collectors.joining(", ")));
    }

    /**
     * Whether an input is a question about a context ({@link TextInput#question}; fields {@code question} and
     * {@code context}) rather than a text and an optional text pair ({@code text}, {@code text_pair}).
     */
    public boolean questionInput() {
        return questionInput;
    }

    /** The names of the first and second input field: {@code text}/{@code text_pair} or {@code question}/{@code context}. */
    public String[] inputFields() {
        return questionInput ? new String[] {"question", "context"} : new String[] {"text", "text_pair"};
    }

    /** The graph outputs a model of this task may have (the first, or all of them, identify the task). */
    public Set<String> outputs() {
        return outputs;
    }

    /** The task's options at their defaults. */
    public TaskSpec<?> defaults() {
        return defaults.get();
    }

}
