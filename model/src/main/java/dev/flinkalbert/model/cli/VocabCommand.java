package dev.flinkalbert.model.cli;

import dev.flinkalbert.model.datasets.PublicDataset;
import dev.flinkalbert.model.pretraining.PretrainingCorpus;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./albert train vocab}: trains an ALBERT-style SentencePiece vocabulary with {@code spm_train}. */
@Command(name = "vocab", mixinStandardHelpOptions = true,
        description = {"Train a SentencePiece unigram vocabulary with ALBERT's special pieces (<pad> 0, <unk> 1, "
                + "[CLS] 2, [SEP] 3, [MASK] 4) by running spm_train from the PATH (Debian: apt-get install sentencepiece).",
            "Example: ./albert train vocab --corpus sotu,moby-dick --vocab-size 8000 --out models/vocab"})
final class VocabCommand implements Callable<Integer> {

    static final String SPM_TRAIN = "spm_train";

    @Option(names = "--corpus", split = ",", paramLabel = "NAME") List<String> corpora = new ArrayList<>();
    @Option(names = "--text", paramLabel = "FILE") List<Path> texts = new ArrayList<>();
    @Option(names = "--vocab-size", defaultValue = "8000", description = "At most this many pieces. Default: ${DEFAULT-VALUE}.")
    int vocabSize;
    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
    @Option(names = "--spm-train", paramLabel = "FILE", description = "The spm_train program. Default: the one on the PATH.")
    Path spmTrain;
    @Mixin DataOptions data;

    @Override
    public Integer call() throws Exception {
        Path spm = spmTrain != null ? spmTrain : findOnPath(SPM_TRAIN, System.getenv("PATH"));
        if (spm == null || !Files.isExecutable(spm)) {
            throw new IllegalStateException((spm == null ? SPM_TRAIN + " is not on the PATH" : spm + " is not an "
                    + "executable program") + ": install SentencePiece's tools (Debian/Ubuntu: apt-get install "
                    + "sentencepiece; macOS: brew install sentencepiece), or reuse an existing spiece.model with --vocab");
        }
        List<String> documents = new ArrayList<>(PretrainingCorpus.readTextFiles(texts));
        for (String name : corpora) {
            documents.addAll(data.registry().documents(PublicDataset.fromCliName(name)));
        }
        if (documents.isEmpty()) {
            throw new IllegalArgumentException("no text: give --corpus and/or --text");
        }
        Files.createDirectories(out);
        Path sentences = out.resolve("vocab-input.txt");
        List<String> lines = new ArrayList<>();
        documents.forEach(d -> lines.addAll(PretrainingCorpus.sentences(d)));
        Files.write(sentences, lines, StandardCharsets.UTF_8);
        // ALBERT's own spm_train settings (google-research/albert README); the size is a ceiling, so that a small
        // corpus gives a smaller vocabulary instead of an error.
        List<String> command = List.of(spm.toString(), "--input=" + sentences, "--model_prefix=" + out.resolve("spiece"),
                "--vocab_size=" + vocabSize, "--model_type=unigram", "--pad_id=0", "--unk_id=1", "--bos_id=-1",
                "--eos_id=-1", "--control_symbols=[CLS],[SEP],[MASK]",
                "--user_defined_symbols=(,),\",-,.,–,£,€", "--shuffle_input_sentence=true",
                "--character_coverage=0.99995", "--input_sentence_size=10000000", "--hard_vocab_limit=false");
        Process process = new ProcessBuilder(command).inheritIO().start();
        int code = process.waitFor();
        Files.deleteIfExists(sentences);
        if (code != 0) {
            throw new IllegalStateException(SPM_TRAIN + " failed with exit code " + code);
        }
        System.out.println("wrote " + out.resolve("spiece.model"));
        return 0;
    }

    /** {@code program} in the first folder of {@code path} (a PATH value) that holds it executable; else null. */
    static Path findOnPath(String program, String path) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
