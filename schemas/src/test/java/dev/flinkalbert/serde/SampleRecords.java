package dev.flinkalbert.serde;

import dev.flinkalbert.avro.ClassificationResult;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.EmbeddingResult;
import dev.flinkalbert.avro.EntityResult;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.avro.LabelScore;
import dev.flinkalbert.avro.NamedEntity;
import dev.flinkalbert.avro.Pooling;
import dev.flinkalbert.avro.QaAnswer;
import dev.flinkalbert.avro.TextEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** One record of every type that crosses Kafka, with every field set, plus sparse ones using the defaults. */
final class SampleRecords {
    static final Instant TIME = Instant.parse("2024-05-01T12:34:56.789Z");

    private SampleRecords() {
    }

    static TextEvent textEvent() {
        return TextEvent.newBuilder().setId("evt-1").setText("The movie was great.")
                .setTextPair("Ein zweiter Satz — with ü and 😀.").setQuestion(null).setContext(null)
                .setAttributes(Map.of("source", "test", "lang", "en")).setEventTime(TIME).build();
    }

    static TextEvent qaEvent() {
        return TextEvent.newBuilder().setId("qa-1").setText(null).setQuestion("Who wrote it?")
                .setContext("It was written by Ada.").build();
    }

    static ClassificationResult classification() {
        return ClassificationResult.newBuilder().setId("evt-1").setLabel("positive").setScore(0.875f)
                .setScores(List.of(new LabelScore("positive", 0.875f), new LabelScore("negative", 0.125f)))
                .setModelId("albert-base-v2-sst2").setModelVersion("3").setAttributes(Map.of("source", "test"))
                .setEventTime(TIME).build();
    }

    static EmbeddingResult embedding() {
        return EmbeddingResult.newBuilder().setId("evt-1").setEmbedding(List.of(0.25f, -1.5f, 3.0e-8f, 0f))
                .setPooling(Pooling.MEAN).setNormalized(true).setModelId("albert-base-v2").setModelVersion(null)
                .setAttributes(Map.of()).setEventTime(null).build();
    }

    static QaAnswer qaAnswer() {
        return QaAnswer.newBuilder().setId("qa-1").setQuestion("Who wrote it?").setAnswer("Ada").setScore(0.5f)
                .setStart(18).setEnd(21).setWindow(0).setHasAnswer(true).setModelId("albert-squad")
                .setModelVersion("1").setAttributes(Map.of("k", "v")).setEventTime(TIME).build();
    }

    static EntityResult entities() {
        return EntityResult.newBuilder().setId("ner-1")
                .setEntities(List.of(
                        new NamedEntity("PER", null, 0.75f, "ada lovelace", 0, 12, null),
                        new NamedEntity(null, "B-LOC", 0.5f, "\u2581london", 22, 28, 5)))
                .setModelId("albert-ner").setModelVersion("2").setAttributes(Map.of("k", "v")).setEventTime(TIME)
                .build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setOriginal(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 0xC3, (byte) 0xFF}))
                .setOriginalKey(ByteBuffer.wrap("key".getBytes(StandardCharsets.UTF_8)))
                .setTopic("texts").setPartition(3).setOffset(1234567890123L).setId("evt-9")
                .setStage(FailureStage.DESERIALIZE).setErrorClass("dev.flinkalbert.serde.MalformedRecordException")
                .setMessage("The message starts with 0x7B").setTime(TIME).build();
    }

    static List<SpecificRecord> all() {
        return List.of(textEvent(), qaEvent(), classification(), embedding(), qaAnswer(), entities(), deadLetter());
    }
}
