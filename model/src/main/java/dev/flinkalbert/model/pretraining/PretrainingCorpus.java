package dev.flinkalbert.model.pretraining;

import dev.flinkalbert.tokenizer.AlbertTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Plain text made ready for pretraining: documents cut into sentences (the segments that sentence-order pairs are
 * built from) and tokenized with the model's SentencePiece vocabulary.
 *
 * <pre>{@code
 * List<String> docs = PretrainingCorpus.readTextFiles(List.of(Path.of("books.txt")));  // blank line between documents
 * List<List<int[]>> tokens = PretrainingCorpus.tokenize(docs, tokenizer);
 * Vocabulary vocabulary = PretrainingCorpus.vocabulary(tokenizer);
 * }</pre>
 */
public final class PretrainingCorpus {

    /** A sentence ends at . ! ? (closing quotes and brackets kept) followed by white space. */
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?][\"'”’)\\]]?)\\s+");
    private static final Pattern BLANK_LINES = Pattern.compile("\\R\\s*\\R");
    private static final String WORD_START = "\u2581";

    private PretrainingCorpus() {}

    /** Documents of text files: a blank line separates documents. */
    public static List<String> readTextFiles(List<Path> files) throws IOException {
        List<String> docs = new ArrayList<>();
        for (Path f : files) {
            for (String doc : BLANK_LINES.split(Files.readString(f, StandardCharsets.UTF_8))) {
                if (!doc.isBlank()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    /** The sentences of a text: split at line breaks and after sentence-final punctuation. */
    public static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\\R")) {
            for (String s : SENTENCE_END.split(line.strip())) {
                if (!s.isBlank()) {
                    out.add(s.strip());
                }
            }
        }
        return out;
    }

    /** Each document as the piece ids of its sentences (sentences without pieces dropped). */
    public static List<List<int[]>> tokenize(List<String> documents, AlbertTokenizer tokenizer) {
        List<List<int[]>> out = new ArrayList<>(documents.size());
        for (String doc : documents) {
            List<int[]> segments = new ArrayList<>();
            for (String sentence : sentences(doc)) {
                int[] ids = tokenizer.pieceIds(sentence);
                if (ids.length > 0) {
                    segments.add(ids);
                }
            }
            if (!segments.isEmpty()) {
                out.add(segments);
            }
        }
        return out;
    }

    /** The pretraining view of an ALBERT vocabulary: special ids checked, word starts from the ▁ prefix. */
    public static Vocabulary vocabulary(AlbertTokenizer tokenizer) {
        if (!"[MASK]".equals(tokenizer.piece(4)) || tokenizer.clsId() != 2 || tokenizer.sepId() != 3
                || tokenizer.padId() != 0) {
            throw new IllegalArgumentException("the vocabulary does not have ALBERT's special ids (<pad> 0, <unk> 1, "
                    + "[CLS] 2, [SEP] 3, [MASK] 4); train it with spm_train as ./albert train vocab does");
        }
        boolean[] starts = new boolean[tokenizer.vocabSize()];
        for (int id = 0; id < starts.length; id++) {
            starts[id] = tokenizer.piece(id).startsWith(WORD_START);
        }
        return Vocabulary.albert(starts.length, id -> starts[id]);
    }
}
