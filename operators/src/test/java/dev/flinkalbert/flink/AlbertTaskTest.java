package dev.flinkalbert.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flinkalbert.avro.DeadLetter;
import dev.flinkalbert.avro.FailureStage;
import dev.flinkalbert.inference.ClassificationPrediction;
import dev.flinkalbert.inference.InvalidModelException;
import dev.flinkalbert.inference.Pooling;
import dev.flinkalbert.inference.TextInput;
import dev.flinkalbert.testing.Fixtures;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link AlbertTask} as the processor of the micro-batching operator, on a MiniCluster with the tiny classification
 * fixture: every result equals Hugging Face's, and a text that cannot be tokenized (null) in the middle of a batch
 * is dead-lettered without touching its neighbours, in both modes.
 */
class AlbertTaskTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final String NULL_TEXT_ID = "null-text";

    /** (id, input) pairs: the fixture's records, with a null text after the fifth. */
    private static List<Tuple2<String, TextInput>> inputs(List<JsonNode> expected) {
        List<Tuple2<String, TextInput>> inputs = new ArrayList<>();
        for (JsonNode record : expected) {
            inputs.add(Tuple2.of(record.get("id").asText(), new TextInput(record.get("text").asText(),
                    record.hasNonNull("text_pair") ? record.get("text_pair").asText() : null)));
            if (inputs.size() == 5) {
                inputs.add(Tuple2.of(NULL_TEXT_ID, TextInput.of(null)));
            }
        }
        return inputs;
    }

    @Test
    void classifiesAsHuggingFaceAndDeadLettersANullTextPerSubtask() throws Exception {
        classifiesAsHuggingFace(null);
    }

    @Test
    void classifiesAsHuggingFaceAndDeadLettersANullTextShared() throws Exception {
        classifiesAsHuggingFace("albert-task-test");
    }

    private void classifiesAsHuggingFace(String sharedBatcher) throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<JsonNode> expected = Fixtures.jsonLines(dir.resolve("expected.jsonl"));
        AlbertTask<ClassificationPrediction> task = AlbertTask.classification(dir).topK(3).maxLength(128).maxBatchSize(8).build(); // as the fixture

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(sharedBatcher == null ? 1 : 2);
        TypeInformation<Tuple2<String, TextInput>> inputType =
                Types.TUPLE(Types.STRING, TypeInformation.of(TextInput.class));
        DataStream<Tuple2<String, TextInput>> inputs = env.fromData(inputs(expected), inputType);
        TypeInformation<Tuple2<String, ClassificationPrediction>> outputType =
                Types.TUPLE(Types.STRING, TypeInformation.of(ClassificationPrediction.class));
        MicroBatching.Builder<Tuple2<String, TextInput>, Tuple2<String, ClassificationPrediction>> builder =
                MicroBatching.<Tuple2<String, TextInput>, Tuple2<String, ClassificationPrediction>>builder()
                        .processor(task.<Tuple2<String, TextInput>, Tuple2<String, ClassificationPrediction>>adapt(
                                in -> in.f1, (in, prediction) -> Tuple2.of(in.f0, prediction)))
                        .outputType(outputType)
                        .maxBatchSize(8)
                        .deadLetterFields(DeadLetterFields.of(in -> null, in -> in.f0));
        if (sharedBatcher != null) {
            builder.sharedPerTaskManager(sharedBatcher);
        }
        SingleOutputStreamOperator<Tuple2<String, ClassificationPrediction>> results = builder.build().apply(inputs);
        CloseableIterator<Tuple2<String, ClassificationPrediction>> resultIterator = results.collectAsync();
        CloseableIterator<DeadLetter> deadLetterIterator =
                results.getSideOutput(MicroBatching.DEAD_LETTERS).collectAsync();
        env.execute();

        java.util.Map<String, ClassificationPrediction> byId = new java.util.TreeMap<>();
        resultIterator.forEachRemaining(result -> byId.put(result.f0, result.f1));
        List<DeadLetter> deadLetters = new ArrayList<>();
        deadLetterIterator.forEachRemaining(deadLetters::add);

        assertEquals(expected.size(), byId.size());
        for (JsonNode record : expected) {
            ClassificationPrediction prediction = byId.get(record.get("id").asText());
            String what = record.get("id").asText();
            assertEquals(record.get("predicted_label").asText(), prediction.label(), what);
            float[] probabilities = new float[3];
            for (int i = 0; i < 3; i++) {
                probabilities[i] = (float) record.get("probabilities").get(i).asDouble();
            }
            assertArrayEquals(probabilities, prediction.scores(), 1e-5f, what);
            assertEquals(3, prediction.top().size(), what);
        }
        assertEquals(1, deadLetters.size());
        assertEquals(NULL_TEXT_ID, deadLetters.get(0).getId());
        assertEquals(FailureStage.TOKENIZE, deadLetters.get(0).getStage());
        assertEquals("the input text is null", deadLetters.get(0).getMessage());
    }

    @Test
    void refusesSettingsOfAnotherTask() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AlbertTask.classification(Path.of("m")).pooling(Pooling.CLS).stride(3).build());
        assertTrue(e.getMessage().contains("pooling applies to [EMBEDDINGS] only"), e.getMessage());
        assertTrue(e.getMessage().contains("stride applies to [QUESTION_ANSWERING, TOKEN_CLASSIFICATION] only"), e.getMessage());
    }

    @Test
    void openNamesWhatIsMissingAndTheTaskMismatch() {
        InvalidModelException missing = assertThrows(InvalidModelException.class,
                () -> AlbertTask.embeddings(Path.of("no/such/model")).build().open());
        assertTrue(missing.getMessage().contains("the directory does not exist"), missing.getMessage());

        Path seqcls = Fixtures.require("hf-albert-tiny/seqcls");
        IllegalStateException wrongTask = assertThrows(IllegalStateException.class,
                () -> AlbertTask.embeddings(seqcls).build().open());
        assertTrue(wrongTask.getMessage().contains("needs a EMBEDDINGS model"), wrongTask.getMessage());
    }

    @Test
    @SuppressWarnings("try") // BatchProcessor.close() may throw anything
    void costIsATokenEstimateCappedAtTheMaximumLength() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        try (BatchProcessor<TextInput, ClassificationPrediction> processor =
                AlbertTask.classification(dir).maxLength(64).build().create()) {
            assertEquals(1, processor.cost(TextInput.of(null)));
            assertEquals(3 + 3, processor.cost(TextInput.of("great film")));          // 10 chars → 3 tokens
            assertEquals(3 + 4, processor.cost(TextInput.pair("great", "film!!!!"))); // 13 chars → 4 tokens
            assertEquals(64, processor.cost(TextInput.of("x".repeat(10_000))));
        }
    }
}
