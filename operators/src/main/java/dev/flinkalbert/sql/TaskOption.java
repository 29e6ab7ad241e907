package dev.flinkalbert.sql;

import dev.flinkalbert.inference.ModelTask;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.DescribedEnum;
import org.apache.flink.configuration.description.InlineElement;

import static org.apache.flink.configuration.description.TextElement.text;

/** What an {@code 'provider' = 'albert'} model computes, as written in the {@code 'task'} option. */
@Internal
public enum TaskOption implements DescribedEnum {
    CLASSIFY(ModelTask.CLASSIFICATION, "sequence classification: text (and text_pair) to label, score, scores"),
    EMBED(ModelTask.EMBEDDINGS, "sentence embeddings: text (and text_pair) to embedding"),
    QA(ModelTask.QUESTION_ANSWERING, "extractive question answering: question, context to answer, score,"
            + " answer_start, answer_end");

    private final ModelTask modelTask;
    private final String description;

    TaskOption(ModelTask modelTask, String description) {
        this.modelTask = modelTask;
        this.description = description;
    }

    /** The engine's task this SQL task runs. */
    public ModelTask modelTask() {
        return modelTask;
    }

    /** The SQL task of a model whose outputs say it computes {@code task}. */
    public static TaskOption of(ModelTask task) {
        for (TaskOption t : values()) {
            if (t.modelTask == task) {
                return t;
            }
        }
        throw new IllegalArgumentException("no SQL task for " + task);
    }

    @Override
    public InlineElement getDescription() {
        return text(description);
    }
}
