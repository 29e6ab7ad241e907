package dev.flinkalbert.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which heads sit on the ALBERT encoder; each is one Hugging Face model class, whose name goes into
 * {@code config.json}'s {@code architectures} and whose parameter names our checkpoints use.
 */
public enum AlbertTask {
    /** The encoder alone with its pooler ({@code AlbertModel}; checkpoint keys carry no {@code albert.} prefix). */
    BASE("AlbertModel", true),
    /** Masked LM and sentence-order prediction heads, for pretraining ({@code AlbertForPreTraining}). */
    PRETRAINING("AlbertForPreTraining", true),
    /** Masked LM head only ({@code AlbertForMaskedLM}; no pooler). */
    MASKED_LM("AlbertForMaskedLM", false),
    /** A classifier on the pooled output ({@code AlbertForSequenceClassification}). */
    SEQUENCE_CLASSIFICATION("AlbertForSequenceClassification", true),
    /** Start/end span logits per token ({@code AlbertForQuestionAnswering}; no pooler). */
    QUESTION_ANSWERING("AlbertForQuestionAnswering", false);

    private final String architecture;
    private final boolean pooler;

    AlbertTask(String architecture, boolean pooler) {
        this.architecture = architecture;
        this.pooler = pooler;
    }

    /** The Hugging Face class name, as in {@code config.json}'s {@code architectures}. */
    public String architecture() {
        return architecture;
    }

    /** Whether this model has the pooler ({@code albert.pooler}); HF drops it for masked LM and QA. */
    public boolean hasPooler() {
        return pooler;
    }

    /** The task of a Hugging Face class name; names the supported ones when it is unknown. */
    public static AlbertTask fromArchitecture(String architecture) {
        for (AlbertTask t : values()) {
            if (t.architecture.equals(architecture)) {
                return t;
            }
        }
        throw new IllegalArgumentException("architecture '" + architecture + "' is not supported; supported: "
                + Arrays.stream(values()).map(AlbertTask::architecture).toList());
    }

    /** A lower-case command-line name, e.g. {@code sequence-classification}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
