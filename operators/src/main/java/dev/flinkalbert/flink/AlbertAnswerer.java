package dev.flinkalbert.flink;

import dev.flinkalbert.avro.QaAnswer;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.inference.Answer;
import dev.flinkalbert.inference.AnswerPrediction;
import dev.flinkalbert.inference.AnswerSpec;
import dev.flinkalbert.inference.TextInput;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import java.util.List;
import java.util.Objects;

/**
 * Extractive question answering over texts in a DataStream with an ALBERT question-answering model, in
 * micro-batches, as Hugging Face's {@code pipeline("question-answering")} answers (windows over long contexts).
 *
 * <pre>{@code
 * DataStream<TextEvent> events = ...;                  // question + context in each event
 * SingleOutputStreamOperator<QaAnswer> answers = AlbertAnswerer.builder()
 *         .modelDirectory(Path.of("/models/squad"))
 *         .maxLength(384).stride(128)                   // windows over long contexts (the pipeline's defaults)
 *         .build()
 *         .apply(events);
 * DataStream<DeadLetter> deadLetters = answers.getSideOutput(MicroBatching.DEAD_LETTERS);
 *
 * // Or enrich every event: the same questions asked of each event's text, one QaAnswer per question.
 * AlbertAnswerer.builder().modelDirectory(dir).questions(List.of("Who?", "Where?")).build().apply(events);
 * }</pre>
 *
 * <p>Without {@link Builder#questions}, an event's {@code question} is asked of its {@code context}; with them, each
 * question is asked of the event's {@code text}. Each answer carries the event's id, attributes and event time, the
 * question, the model's id and version and the best answer ({@code has_answer} false, {@code start} and {@code end}
 * -1 when there is none). An event (or one question of it) that cannot be answered, such as one without question
 * or context, goes to the dead-letter side output with the event's Avro bytes; the job goes on.
 */
@PublicEvolving
public final class AlbertAnswerer extends AlbertTransform<AnswerPrediction, QaAnswer> {

    private static final long serialVersionUID = 1L;

    /** The operator's default name. */
    public static final String DEFAULT_NAME = "albert-answer";

    private final List<String> questions;

    private AlbertAnswerer(Builder b) {
        super(b, b.spec);
        this.questions = b.questions;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The questions asked of every event's text; empty when each event brings its own question. */
    public List<String> questions() {
        return questions;
    }

    @Override
    public Class<QaAnswer> resultClass() {
        return QaAnswer.class;
    }

    /** One {@link QaAnswer} per event, or per event and question; failures on {@link MicroBatching#DEAD_LETTERS}. */
    @Override
    public SingleOutputStreamOperator<QaAnswer> apply(DataStream<TextEvent> events) {
        String modelId = modelId();
        String modelVersion = modelVersion();
        AvroTypeInfo<QaAnswer> answerType = new AvroTypeInfo<>(QaAnswer.class);
        if (questions.isEmpty()) {
            return apply(events, event -> TextInput.question(event.getQuestion(), event.getContext()),
                    (event, prediction) -> answer(event, event.getQuestion(), prediction, modelId, modelVersion),
                    answerType, TextEvents.DEAD_LETTER_FIELDS);
        }
        List<String> asked = questions;
        TypeInformation<Tuple2<TextEvent, String>> questionType = Types.TUPLE(TextEvents.TYPE, Types.STRING);
        DataStream<Tuple2<TextEvent, String>> perQuestion = events
                .<Tuple2<TextEvent, String>>flatMap((event, out) -> asked.forEach(q -> out.collect(Tuple2.of(event, q))))
                .returns(questionType)
                .name(DEFAULT_NAME + "-questions");
        DeadLetterFields<Tuple2<TextEvent, String>> deadLetterFields =
                (pair, builder) -> TextEvents.DEAD_LETTER_FIELDS.describe(pair.f0, builder);
        return apply(perQuestion, pair -> TextInput.question(pair.f1, pair.f0.getText()),
                (pair, prediction) -> answer(pair.f0, pair.f1, prediction, modelId, modelVersion),
                answerType, deadLetterFields);
    }

    private static QaAnswer answer(TextEvent event, String question, AnswerPrediction prediction, String modelId,
            String modelVersion) {
        Answer best = prediction.best();
        boolean hasAnswer = best != null && !best.isNoAnswer();
        return QaAnswer.newBuilder()
                .setId(event.getId())
                .setQuestion(question)
                .setAnswer(hasAnswer ? best.text() : "")
                .setScore(best == null ? 0f : (float) best.score())
                .setStart(AnswerSpec.offset(best, true))
                .setEnd(AnswerSpec.offset(best, false))
                .setHasAnswer(hasAnswer)
                .setModelId(modelId)
                .setModelVersion(modelVersion)
                .setAttributes(TextEvents.attributes(event))
                .setEventTime(event.getEventTime())
                .build();
    }

    /** Settings of an {@link AlbertAnswerer}; required: {@link #modelDirectory}. Options: {@link AnswerSpec}. */
    public static final class Builder extends AlbertTransform.Builder<Builder, AlbertAnswerer> {
        private AnswerSpec spec = AnswerSpec.DEFAULTS;
        private List<String> questions = List.of();

        private Builder() {
            super(DEFAULT_NAME);
        }

        /** The head's options, all at once. */
        public Builder spec(AnswerSpec spec) {
            this.spec = Objects.requireNonNull(spec, "spec");
            return this;
        }

        /** Context tokens shared by consecutive windows: {@link AnswerSpec#stride()}. */
        public Builder stride(int tokens) {
            return spec(spec.withStride(tokens));
        }

        /** Longest answer in tokens: {@link AnswerSpec#maxAnswerLength()}. */
        public Builder maxAnswerLength(int tokens) {
            return spec(spec.withMaxAnswerLength(tokens));
        }

        /** Let the empty answer compete: {@link AnswerSpec#handleImpossibleAnswer()}. */
        public Builder handleImpossibleAnswer(boolean allow) {
            return spec(spec.withHandleImpossibleAnswer(allow));
        }

        /** Ask these questions of every event's {@code text} (default none: each event's own question and context). */
        public Builder questions(List<String> questions) {
            this.questions = List.copyOf(questions);
            return this;
        }

        @Override
        public AlbertAnswerer build() {
            return new AlbertAnswerer(this);
        }

        @Override
        void check(List<String> problems) {
            if (questions.stream().anyMatch(String::isBlank)) {
                problems.add("questions must not be blank, got " + questions);
            }
        }
    }
}
