package dev.flinkalbert.model.classification;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metrics worked out by hand, and the three input formats. */
class ClassificationMetricsTest {

    @Test
    void accuracyMacroF1AndConfusionMatrix() {
        // truth a a a b b c ; predicted a a b b c c
        ClassificationMetrics m = ClassificationMetrics.of(List.of("a", "b", "c"),
                new int[] {0, 0, 0, 1, 1, 2}, new int[] {0, 0, 1, 1, 2, 2});
        assertEquals(4 / 6.0, m.accuracy(), 1e-12);
        // F1: a = 2·2/(3+2) = 0.8; b = 2·1/(2+2) = 0.5; c = 2·1/(1+2) = 2/3
        assertArrayEquals(new double[] {0.8, 0.5, 2 / 3.0}, m.f1(), 1e-12);
        assertEquals((0.8 + 0.5 + 2 / 3.0) / 3, m.macroF1(), 1e-12);
        assertArrayEquals(new long[] {2, 1, 0}, m.confusion()[0]);
        assertArrayEquals(new long[] {0, 1, 1}, m.confusion()[1]);
        assertArrayEquals(new long[] {0, 0, 1}, m.confusion()[2]);
    }

    @Test
    void readsCsvTsvAndJsonLines(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("d.csv"), "label,text,text_pair\r\npositive,\"Good, \"\"really\"\"\nfine\",b\r\nnegative,bad,\n");
        assertEquals(List.of(new LabeledText("Good, \"really\"\nfine", "b", "positive"),
                new LabeledText("bad", "", "negative")), LabeledText.read(dir.resolve("d.csv")));
        Files.writeString(dir.resolve("d.tsv"), "text\tlabel\nnice\tpositive\n");
        assertEquals(List.of(new LabeledText("nice", null, "positive")), LabeledText.read(dir.resolve("d.tsv")));
        Files.writeString(dir.resolve("d.jsonl"), "{\"text\":\"x\",\"label\":1}\n\n{\"text\":\"y\",\"text_pair\":\"z\",\"label\":\"0\"}\n");
        assertEquals(List.of(new LabeledText("x", null, "1"), new LabeledText("y", "z", "0")),
                LabeledText.read(dir.resolve("d.jsonl")));
        Files.writeString(dir.resolve("bad.csv"), "sentence,label\nx,1\n");
        IOException e = assertThrows(IOException.class, () -> LabeledText.read(dir.resolve("bad.csv")));
        assertEquals(dir.resolve("bad.csv") + ": the header [sentence, label] needs the columns text and label", e.getMessage());
    }

    @Test
    void splitsAreSeededAndDisjoint() {
        List<Integer> items = java.util.stream.IntStream.range(0, 100).boxed().toList();
        DataSplits.Split<Integer> a = DataSplits.split(items, 0.2, 1);
        assertEquals(20, a.held().size());
        assertEquals(a, DataSplits.split(items, 0.2, 1));
        assertEquals(100, new java.util.HashSet<>(java.util.stream.Stream.concat(a.rest().stream(), a.held().stream()).toList()).size());
    }
}
