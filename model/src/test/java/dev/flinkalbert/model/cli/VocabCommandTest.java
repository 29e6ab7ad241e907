package dev.flinkalbert.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.flinkalbert.model.pretraining.PretrainingCorpus;
import dev.flinkalbert.model.pretraining.Vocabulary;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./albert train vocab}: a vocabulary with ALBERT's special ids that our tokenizer loads. */
class VocabCommandTest {

    @Test
    void trainsAnAlbertVocabularyWithSpmTrain(@TempDir Path dir) throws Exception {
        assertNotNull(VocabCommand.findOnPath(VocabCommand.SPM_TRAIN, System.getenv("PATH")),
                "spm_train is not on the PATH: install SentencePiece's tools (apt-get install sentencepiece)");
        List<String> lines = new ArrayList<>();
        String[] words = {"whale", "ship", "sea", "captain", "harpoon", "boat", "crew", "storm", "island", "night"};
        for (int i = 0; i < 400; i++) {
            lines.add("The " + words[i % 10] + " saw the " + words[(i * 7) % 10] + " at " + i + ". Then the "
                    + words[(i * 3) % 10] + " (and its " + words[(i + 1) % 10] + ") came back.");
            if (i % 20 == 19) {
                lines.add("");
            }
        }
        Files.write(dir.resolve("corpus.txt"), lines);
        assertEquals(0, TrainCli.commandLine().execute("vocab", "--text", dir.resolve("corpus.txt").toString(),
                "--vocab-size", "300", "--out", dir.resolve("vocab").toString()));
        AlbertTokenizer tokenizer = AlbertTokenizer.fromSpieceModel(dir.resolve("vocab/spiece.model"));
        // the corpus holds fewer than 300 pieces' worth: the size is a ceiling
        assertTrue(tokenizer.vocabSize() > 50 && tokenizer.vocabSize() <= 300, "size " + tokenizer.vocabSize());
        Vocabulary vocabulary = PretrainingCorpus.vocabulary(tokenizer);
        assertEquals(List.of("<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"),
                List.of(tokenizer.piece(0), tokenizer.piece(1), tokenizer.piece(2), tokenizer.piece(3), tokenizer.piece(4)));
        int[] ids = tokenizer.pieceIds("The whale saw the ship.");
        assertTrue(vocabulary.wordStart().test(ids[0]), tokenizer.piece(ids[0]));
        StringBuilder joined = new StringBuilder();
        for (int id : ids) {
            joined.append(tokenizer.piece(id));
        }
        assertEquals("\u2581the\u2581whale\u2581saw\u2581the\u2581ship.", joined.toString().replace("\u2581.", "."));
    }

    /** The absent tool, wherever the tests run: a PATH without it, and an --spm-train that does not exist. */
    @Test
    void saysHowToInstallSpmTrainWhenAbsent(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectory(dir.resolve("bin"));
        assertNull(VocabCommand.findOnPath(VocabCommand.SPM_TRAIN, empty.toString()));
        StringWriter err = new StringWriter();
        assertEquals(1, TrainCli.commandLine().setErr(new PrintWriter(err)).execute("vocab", "--text", "x.txt",
                "--spm-train", empty.resolve("spm_train").toString(), "--out", dir.resolve("out").toString()));
        assertTrue(err.toString().contains("is not an executable program"), err.toString());
        assertTrue(err.toString().contains("apt-get install sentencepiece"), err.toString());
    }
}
