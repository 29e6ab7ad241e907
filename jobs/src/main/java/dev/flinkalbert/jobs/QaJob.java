package dev.flinkalbert.jobs;

import dev.flinkalbert.avro.QaAnswer;
import dev.flinkalbert.flink.AlbertAnswerer;
import dev.flinkalbert.inference.AnswerSpec;
import dev.flinkalbert.inference.ModelTask;

import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./albert qa} and {@code flink run -c dev.flinkalbert.jobs.QaJob}: TextEvents in, QaAnswers out, with an
 * extractive question-answering model: each event's question about its context, or the {@code --question}s asked of
 * every event's text.
 */
@Command(name = "qa", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = OperatorOptions.Defaults.class,
        description = "Kafka → ALBERT extractive question answering → Kafka, exactly once, on a local MiniCluster"
                + " (or the cluster of 'flink run').")
public final class QaJob extends AlbertJob<QaAnswer> {

    @Option(names = "--question", paramLabel = "TEXT",
            description = "Ask this of every event's text (repeatable; default: each event's question and context)")
    List<String> questions = List.of();

    @Option(names = "--stride", defaultValue = "" + AnswerSpec.DEFAULT_STRIDE, paramLabel = "TOKENS",
            description = "Context tokens shared by consecutive windows (default: ${DEFAULT-VALUE})")
    int stride;

    @Option(names = "--max-answer-length", defaultValue = "" + AnswerSpec.DEFAULT_MAX_ANSWER_LENGTH,
            paramLabel = "TOKENS", description = "Longest answer (default: ${DEFAULT-VALUE})")
    int maxAnswerLength;

    @Option(names = "--handle-impossible-answer", description = "Let the empty answer compete (SQuAD 2.0 models)")
    boolean handleImpossibleAnswer;

    @Override
    ModelTask task() {
        return ModelTask.QUESTION_ANSWERING;
    }

    @Override
    AlbertAnswerer operator(BuilderSettings settings) {
        return settings.apply(AlbertAnswerer.builder())
                .questions(questions)
                .stride(stride)
                .maxAnswerLength(maxAnswerLength)
                .handleImpossibleAnswer(handleImpossibleAnswer)
                .build();
    }

    public static void main(String[] args) {
        System.exit(run(new QaJob(), args));
    }
}
