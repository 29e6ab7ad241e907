package dev.flinkalbert.flink;

import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.LabelScore;
import dev.flinkalbert.avro.TextEvent;
import dev.flinkalbert.inference.ClassificationPrediction;
import dev.flinkalbert.inference.ClassificationSpec;
import dev.flinkalbert.inference.TextInput;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import java.util.ArrayList;
import java.util.List;

/**
 * Classifies texts in a DataStream with an ALBERT sequence-classification model, in micro-batches.
 *
 * <pre>{@code
 * DataStream<TextEvent> events = ...;
 * SingleOutputStreamOperator<ClassificationResult> results = AlbertClassifier.builder()
 *         .modelDirectory(Path.of("/models/sentiment"))  // model.onnx, config.json, spiece.model
 *         .topK(3)                                       // scores of the 3 best labels (default all)
 *         .maxBatchSize(32)                              // ONNX Runtime calls of up to 32 events,
 *         .flushBatches(4)                               // flushed 4 calls' worth at a time, sorted by length,
 *         .maxLinger(Duration.ofMillis(20))              // or 20 ms after the first,
 *         .tokenBudget(4096)                             // calls of at most about 4096 tokens
 *         .intraOpThreads(1)
 *         .build()
 *         .apply(events);
 * DataStream<DeadLetter> deadLetters = results.getSideOutput(MicroBatching.DEAD_LETTERS);
 * }</pre>
 *
 * <p>An event's {@code text} (and {@code text_pair}, if any) is classified; its result carries the event's id,
 * attributes and event time, and the model's id and version. An event that cannot be classified (no text, a text
 * the tokenizer refuses) goes to the dead-letter side output with its Avro bytes; the job goes on. Records of other
 * types use {@link #apply(DataStream, org.apache.flink.util.function.SerializableFunction,
 * BatchProcessorFactory.ResultFunction, org.apache.flink.api.common.typeinfo.TypeInformation, DeadLetterFields)}.
 * With {@link Builder#sharedPerTaskManager} all subtasks of a TaskManager share one batcher.
 */
@PublicEvolving
public final class AlbertClassifier extends AlbertTransform<ClassificationPrediction, ClassificationResult> {

    private static final long serialVersionUID = 1L;

    /** The operator's default name. */
    public static final String DEFAULT_NAME = "albert-classify";
    /** Default {@code topK}: every label, best first ({@link ClassificationSpec#ALL_LABELS}). */
    public static final int ALL_LABELS = ClassificationSpec.ALL_LABELS;

    private AlbertClassifier(Builder b) {
        super(b, b.spec);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Class<ClassificationResult> resultClass() {
        return ClassificationResult.class;
    }

    /** One {@link ClassificationResult} per event; failures on {@link MicroBatching#DEAD_LETTERS}. */
    @Override
    public SingleOutputStreamOperator<ClassificationResult> apply(DataStream<TextEvent> events) {
        String modelId = modelId();
        String modelVersion = modelVersion();
        return apply(events, event -> new TextInput(event.getText(), event.getTextPair()),
                (event, prediction) -> result(event, prediction, modelId, modelVersion),
                new AvroTypeInfo<>(ClassificationResult.class), TextEvents.DEAD_LETTER_FIELDS);
    }

    private static ClassificationResult result(TextEvent event, ClassificationPrediction prediction, String modelId,
            String modelVersion) {
        List<LabelScore> scores = new ArrayList<>(prediction.top().size());
        for (dev.flinkalbert.inference.LabelScore top : prediction.top()) {
            scores.add(new LabelScore(top.label(), top.score()));
        }
        return ClassificationResult.newBuilder()
                .setId(event.getId())
                .setLabel(prediction.label())
                .setScore(prediction.score())
                .setScores(scores)
                .setModelId(modelId)
                .setModelVersion(modelVersion)
                .setAttributes(TextEvents.attributes(event))
                .setEventTime(event.getEventTime())
                .build();
    }

    /** Settings of an {@link AlbertClassifier}; required: {@link #modelDirectory}. Options: {@link ClassificationSpec}. */
    public static final class Builder extends AlbertTransform.Builder<Builder, AlbertClassifier> {
        private ClassificationSpec spec = ClassificationSpec.DEFAULTS;

        private Builder() {
            super(DEFAULT_NAME);
        }

        /** The head's options, all at once. */
        public Builder spec(ClassificationSpec spec) {
            this.spec = java.util.Objects.requireNonNull(spec, "spec");
            return this;
        }

        /** How many best labels a result's {@code scores} lists: {@link ClassificationSpec#topK()}. */
        public Builder topK(int k) {
            return spec(spec.withTopK(k));
        }

        @Override
        public AlbertClassifier build() {
            return new AlbertClassifier(this);
        }
    }
}
