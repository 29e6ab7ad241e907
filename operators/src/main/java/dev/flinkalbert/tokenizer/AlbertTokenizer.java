package dev.flinkalbert.tokenizer;

import dev.flinkalbert.tokenizer.model.DoubleArrayTrie;
import dev.flinkalbert.tokenizer.model.Lattice;
import dev.flinkalbert.tokenizer.model.PieceList;
import dev.flinkalbert.tokenizer.model.Unigram;
import dev.flinkalbert.tokenizer.normalizer.AlbertPreprocess;
import dev.flinkalbert.tokenizer.normalizer.AlignedBytes;
import dev.flinkalbert.tokenizer.normalizer.AlignedText;
import dev.flinkalbert.tokenizer.normalizer.LowercaseOutsideLiterals;
import dev.flinkalbert.tokenizer.normalizer.PrecompiledCharsmap;
import dev.flinkalbert.tokenizer.normalizer.SentencePieceNormalizer;
import dev.flinkalbert.tokenizer.normalizer.UnicodeTables;
import dev.flinkalbert.tokenizer.pretokenizer.SpecialLiterals;
import dev.flinkalbert.tokenizer.processor.TemplateProcessor;
import dev.flinkalbert.tokenizer.processor.Tokens;
import dev.flinkalbert.tokenizer.processor.TruncationRule;
import dev.flinkalbert.tokenizer.sentencepiece.SentencePieceModel;
import dev.flinkalbert.tokenizer.sentencepiece.SentencePieceModel.PieceType;
import dev.flinkalbert.tokenizer.sentencepiece.TokenizerJsonModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The ALBERT tokenizer, giving the ids of transformers' slow {@code AlbertTokenizer} (SentencePiece 0.2.x with
 * ALBERT's pre-processing, {@code do_lower_case=True}) and, for every token, its span in the original text.
 *
 * <pre>{@code
 * AlbertTokenizer tokenizer = AlbertTokenizer.fromModelDirectory(Path.of("models/albert-base-v2"));
 * Encoding e = tokenizer.encode("Hello world!", 128);              // [CLS] hello world ! [SEP]
 * Encoding p = tokenizer.encodePair(premise, hypothesis, 128, Truncation.LONGEST_FIRST);
 * List<Encoding> windows = tokenizer.encodeQuestionContext(question, context, 384, 128);
 * PaddedBatch batch = tokenizer.encodeBatch(texts, 128);            // long[] ids/mask/types for ONNX Runtime
 * }</pre>
 *
 * <p>Pipeline (one stage per package): {@code normalizer} (lower-case outside the special literals, ALBERT's
 * pre-processing, SentencePiece's charsmap normalisation), {@code pretokenizer} (special literals), {@code model}
 * (unigram Viterbi, then ALBERT's digit-comma rule here), {@code processor} (truncation and templates).
 *
 * <p>Immutable and thread-safe: share one instance per model per JVM. Each thread keeps its own scratch arrays,
 * so the hot path allocates only the returned arrays.
 */
@PublicEvolving
public final class AlbertTokenizer {

    /** The special-token literals of ALBERT, cut out of the text before tokenisation. */
    static final String[] SPECIAL_LITERALS = {"<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"};
    /** {@code [MASK]} is an lstrip added token: it takes the whitespace before it (no effect on ids, only spans). */
    static final boolean[] SPECIAL_LSTRIP = {false, false, false, false, true};
    static final String SPIECE_MODEL = "spiece.model";
    static final String TOKENIZER_JSON = "tokenizer.json";

    private static final byte[] SPACE_SYMBOL = "\u2581".getBytes(StandardCharsets.UTF_8);
    /** Scratch arrays beyond this many elements are dropped after use, so one huge text does not pin memory. */
    private static final int RETAINED_SCRATCH = 1 << 20;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private final SentencePieceModel model;
    private final SpecialLiterals literals;
    private final LowercaseOutsideLiterals lowercase;
    private final AlbertPreprocess preprocess;
    private final SentencePieceNormalizer spNormalizer;
    private final Unigram unigram;
    private final TemplateProcessor template;
    private final UnicodeTables tables;
    private final int clsId;
    private final int sepId;
    private final int padId;
    private final int unkId;
    private final int commaId;

    private AlbertTokenizer(SentencePieceModel model) {
        this.model = model;
        this.tables = UnicodeTables.get();
        int n = model.size();
        int unk = -1;
        List<byte[]> keys = new ArrayList<>();
        List<Integer> values = new ArrayList<>();
        List<byte[]> userKeys = new ArrayList<>();
        List<Integer> userValues = new ArrayList<>();
        float[] scores = new float[n];
        boolean[] unused = new boolean[n];
        float minScore = Float.MAX_VALUE;
        for (int id = 0; id < n; id++) {
            PieceType type = model.type(id);
            scores[id] = model.score(id);
            switch (type) {
                case UNKNOWN:
                    if (unk < 0) {
                        unk = id;
                    }
                    continue;
                case CONTROL:
                case BYTE:
                    continue;
                case NORMAL:
                    minScore = Math.min(minScore, scores[id]);
                    break;
                case USER_DEFINED:
                    userKeys.add(model.piece(id).getBytes(StandardCharsets.UTF_8));
                    userValues.add(id);
                    break;
                case UNUSED:
                    unused[id] = true;
                    break;
                default:
                    throw new IllegalArgumentException("unknown piece type " + type);
            }
            byte[] key = model.piece(id).getBytes(StandardCharsets.UTF_8);
            if (key.length > 0) {
                keys.add(key);
                values.add(id);
            }
        }
        if (unk < 0) {
            throw new IllegalArgumentException("the SentencePiece model has no UNKNOWN piece");
        }
        this.unkId = unk;
        DoubleArrayTrie trie = DoubleArrayTrie.build(
                keys.toArray(new byte[0][]), values.stream().mapToInt(Integer::intValue).toArray());
        this.unigram = new Unigram(trie, scores, unused, unk, minScore);
        this.spNormalizer = new SentencePieceNormalizer(
                PrecompiledCharsmap.parse(model.precompiledCharsmap()),
                DoubleArrayTrie.build(userKeys.toArray(new byte[0][]), userValues.stream().mapToInt(Integer::intValue).toArray()),
                model.addDummyPrefix(),
                model.removeExtraWhitespaces(),
                model.escapeWhitespaces());
        int[] literalIds = new int[SPECIAL_LITERALS.length];
        for (int i = 0; i < literalIds.length; i++) {
            literalIds[i] = requirePiece(model, SPECIAL_LITERALS[i]);
        }
        this.literals = new SpecialLiterals(SPECIAL_LITERALS, literalIds, SPECIAL_LSTRIP);
        this.padId = literalIds[0];
        this.clsId = literalIds[2];
        this.sepId = literalIds[3];
        this.lowercase = new LowercaseOutsideLiterals(tables, literals);
        this.preprocess = new AlbertPreprocess(tables);
        this.template = new TemplateProcessor(clsId, sepId);
        byte[] comma = {','};
        int c = trie.get(comma, 0, 1);
        this.commaId = c < 0 ? unk : c;
    }

    private static int requirePiece(SentencePieceModel model, String piece) {
        int id = model.find(piece);
        if (id < 0) {
            throw new IllegalArgumentException("the SentencePiece model has no piece " + piece
                    + " (is it an ALBERT spiece.model?)");
        }
        return id;
    }

    /**
     * Loads a model directory's {@code spiece.model}, else its HF {@code tokenizer.json} (see
     * {@link #fromTokenizerJson} for what that loses).
     */
    public static AlbertTokenizer fromModelDirectory(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Path spiece = dir.resolve(SPIECE_MODEL);
        if (Files.isRegularFile(spiece)) {
            return fromSpieceModel(spiece);
        }
        Path json = dir.resolve(TOKENIZER_JSON);
        if (Files.isRegularFile(json)) {
            return fromTokenizerJson(json);
        }
        throw new NoSuchFileException(spiece.toString(), null, "the model directory has neither " + SPIECE_MODEL
                + " nor " + TOKENIZER_JSON + "; point to a directory holding the ALBERT spiece.model");
    }

    /**
     * Loads the unigram model inside an HF {@code tokenizer.json} of an ALBERT vocabulary. The slow-tokenizer
     * pipeline is the same, but such files give pieces ending in a digit and a comma the score -100, so a few texts
     * with numbers like {@code 9,} can segment differently from {@code spiece.model}: prefer that file.
     */
    public static AlbertTokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        SentencePieceModel model = TokenizerJsonModel.read(tokenizerJson);
        try {
            return new AlbertTokenizer(model);
        } catch (IllegalArgumentException e) {
            throw new IOException(tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** Loads a SentencePiece unigram model file ({@code spiece.model}). */
    public static AlbertTokenizer fromSpieceModel(Path spieceModel) throws IOException {
        Objects.requireNonNull(spieceModel, "spieceModel");
        SentencePieceModel model = SentencePieceModel.read(spieceModel);
        try {
            return new AlbertTokenizer(model);
        } catch (IllegalArgumentException e) {
            throw new IOException(spieceModel + ": " + e.getMessage(), e);
        }
    }

    /** The piece ids of {@code text} without special tokens (the fixtures' {@code ids}). */
    public int[] pieceIds(String text) {
        Workspace ws = WORKSPACE.get();
        tokenize(text, "text", ws, ws.first, null);
        int[] ids = ws.first.idsArray();
        release(ws);
        return ids;
    }

    /** The piece strings of {@code text} (unknown pieces as their normalised text); for diagnostics, not hot. */
    public List<String> pieces(String text) {
        Workspace ws = WORKSPACE.get();
        List<String> out = new ArrayList<>();
        tokenize(text, "text", ws, ws.first, out);
        release(ws);
        return out;
    }

    /** {@code [CLS] text [SEP]}, not truncated. */
    public Encoding encode(String text) {
        return encode(text, Integer.MAX_VALUE);
    }

    /** {@code [CLS] text [SEP]}, cut to at most {@code maxLength} tokens. */
    public Encoding encode(String text, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must be at least 2 ([CLS] and [SEP]), got " + maxLength);
        }
        Workspace ws = WORKSPACE.get();
        tokenize(text, "text", ws, ws.first, null);
        int n = ws.first.size();
        int keep = TruncationRule.keepSingle(n, maxLength == Integer.MAX_VALUE ? n : maxLength - 2);
        Encoding e = template.single(ws.first, 0, keep, keep < n);
        release(ws);
        return e;
    }

    /** {@code [CLS] a [SEP] b [SEP]}, cut to at most {@code maxLength} tokens by {@code strategy}. */
    public Encoding encodePair(String a, String b, int maxLength, Truncation strategy) {
        Objects.requireNonNull(strategy, "strategy");
        if (maxLength < 3) {
            throw new IllegalArgumentException("maxLength must be at least 3 for a pair, got " + maxLength);
        }
        Workspace ws = WORKSPACE.get();
        tokenize(a, "a", ws, ws.first, null);
        tokenize(b, "b", ws, ws.second, null);
        int la = ws.first.size();
        int lb = ws.second.size();
        int[] keep = TruncationRule.keepPair(la, lb, maxLength - 3, strategy);
        Encoding e = template.pair(ws.first, 0, keep[0], ws.second, 0, keep[1], keep[0] < la || keep[1] < lb);
        release(ws);
        return e;
    }

    /**
     * Question-answering windows, as HF's fast tokenizer makes them with {@code truncation="only_second"},
     * {@code return_overflowing_tokens=True} and {@code stride}: the context is split into windows of
     * {@code maxLength - 3 - |question|} tokens that overlap by {@code stride} tokens, each encoded as
     * {@code [CLS] question [SEP] window [SEP]}; context tokens carry spans into {@code context}.
     */
    public List<Encoding> encodeQuestionContext(String question, String context, int maxLength, int stride) {
        if (maxLength < 3) {
            throw new IllegalArgumentException("maxLength must be at least 3 for a pair, got " + maxLength);
        }
        Workspace ws = WORKSPACE.get();
        tokenize(question, "question", ws, ws.first, null);
        tokenize(context, "context", ws, ws.second, null);
        int lq = ws.first.size();
        int[] windows = TruncationRule.windows(lq, ws.second.size(), maxLength - 3, stride);
        boolean split = windows.length > 2;
        List<Encoding> out = new ArrayList<>(windows.length / 2);
        for (int w = 0; w < windows.length; w += 2) {
            out.add(template.pair(ws.first, 0, lq, ws.second, windows[w], windows[w + 1], split));
        }
        release(ws);
        return out;
    }

    /** Encodes each text ({@link #encode(String, int)}) and pads them to the longest. */
    public PaddedBatch encodeBatch(List<String> texts, int maxLength) {
        Objects.requireNonNull(texts, "texts");
        List<Encoding> encodings = new ArrayList<>(texts.size());
        for (String t : texts) {
            encodings.add(encode(t, maxLength));
        }
        return PaddedBatch.of(encodings, padId);
    }

    /** Encodes each pair ({@link #encodePair}) and pads them to the longest. */
    public PaddedBatch encodePairBatch(List<String> a, List<String> b, int maxLength, Truncation strategy) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("pair batch sides differ in size: " + a.size() + " vs " + b.size());
        }
        List<Encoding> encodings = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            encodings.add(encodePair(a.get(i), b.get(i), maxLength, strategy));
        }
        return PaddedBatch.of(encodings, padId);
    }

    public int clsId() {
        return clsId;
    }

    public int sepId() {
        return sepId;
    }

    public int padId() {
        return padId;
    }

    public int unkId() {
        return unkId;
    }

    public int vocabSize() {
        return model.size();
    }

    /** The piece string of an id (special tokens included). */
    public String piece(int id) {
        return model.piece(id);
    }

    // ---------------------------------------------------------------------------------------------------------

    private void tokenize(String text, String what, Workspace ws, Tokens out, List<String> surfaces) {
        if (text == null) {
            throw new NullPointerException(what + " must not be null (use \"\" for an empty text)");
        }
        out.clear();
        ws.source.load(text);
        AlignedText lowered = ws.lowered;
        lowered.clear();
        lowercase.normalize(ws.source, 0, ws.source.length(), lowered);
        int n = lowered.length();
        int chunkStart = 0;
        for (int i = 0; i < n; ) {
            int literal = literals.matchAt(lowered, i, n);
            if (literal < 0) {
                i++;
                continue;
            }
            encodeChunk(lowered, chunkStart, i, ws, out, surfaces);
            int end = i + literals.length(literal);
            int spanStart = i;
            if (literals.leftStrip(literal)) {
                while (spanStart > chunkStart && tables.isSpace(lowered.codePoint(spanStart - 1))) {
                    spanStart--;
                }
            }
            out.add(literals.id(literal), lowered.start(spanStart), lowered.end(end - 1));
            if (surfaces != null) {
                surfaces.add(literals.text(literal));
            }
            i = end;
            chunkStart = end;
        }
        encodeChunk(lowered, chunkStart, n, ws, out, surfaces);
    }

    private void encodeChunk(AlignedText text, int from, int to, Workspace ws, Tokens out, List<String> surfaces) {
        if (from >= to) {
            return;
        }
        AlignedText chunk = ws.chunk;
        chunk.clear();
        preprocess.normalize(text, from, to, chunk);
        AlignedBytes norm = ws.normalized;
        spNormalizer.normalize(chunk, ws.utf8, norm);
        PieceList pieces = ws.pieces;
        unigram.encode(norm.bytes(), norm.length(), ws.lattice, pieces);
        byte[] bytes = norm.bytes();
        for (int p = 0, count = pieces.size(); p < count; p++) {
            int s = pieces.start(p);
            int e = pieces.end(p);
            if (e - s >= 2 && bytes[e - 1] == ',' && tables.isDigit(codePointBefore(bytes, e - 1))) {
                splitDigitComma(norm, s, e, ws, out, surfaces);
            } else {
                out.add(pieces.id(p), norm.spanStart(s, e), norm.spanEnd(s, e));
                if (surfaces != null) {
                    surfaces.add(norm.toString(s, e));
                }
            }
        }
    }

    /**
     * ALBERT's {@code _tokenize} rule for a piece such as {@code ▁9,}: encode {@code piece[:-1]} without
     * {@code ▁} again, drop the new leading {@code ▁} if the piece had none, then append {@code ,}.
     */
    private void splitDigitComma(AlignedBytes norm, int s, int e, Workspace ws, Tokens out, List<String> surfaces) {
        byte[] bytes = norm.bytes();
        AlignedText sub = ws.sub;
        sub.clear();
        for (int i = s; i < e - 1; ) {
            int lead = bytes[i] & 0xFF;
            int len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
            int cp = decode(bytes, i, len);
            if (cp != 0x2581) {
                sub.append(cp, norm.start(i), norm.end(i + len - 1), norm.isMark(i));
            }
            i += len;
        }
        boolean hadSpace = startsWithSpaceSymbol(bytes, s, e);
        AlignedBytes subNorm = ws.subNormalized;
        spNormalizer.normalize(sub, ws.utf8, subNorm);
        PieceList subPieces = ws.subPieces;
        unigram.encode(subNorm.bytes(), subNorm.length(), ws.lattice, subPieces);
        byte[] sb = subNorm.bytes();
        for (int p = 0, count = subPieces.size(); p < count; p++) {
            int ps = subPieces.start(p);
            int pe = subPieces.end(p);
            int id = subPieces.id(p);
            if (p == 0 && !hadSpace && startsWithSpaceSymbol(sb, ps, pe)) {
                if (pe - ps == SPACE_SYMBOL.length) {
                    continue;
                }
                ps += SPACE_SYMBOL.length;
                int found = unigram.trie().get(sb, ps, pe);
                id = found < 0 ? unkId : found;
            }
            out.add(id, subNorm.spanStart(ps, pe), subNorm.spanEnd(ps, pe));
            if (surfaces != null) {
                surfaces.add(subNorm.toString(ps, pe));
            }
        }
        out.add(commaId, norm.start(e - 1), norm.end(e - 1));
        if (surfaces != null) {
            surfaces.add(",");
        }
    }

    private static boolean startsWithSpaceSymbol(byte[] b, int from, int to) {
        return to - from >= 3 && b[from] == SPACE_SYMBOL[0] && b[from + 1] == SPACE_SYMBOL[1] && b[from + 2] == SPACE_SYMBOL[2];
    }

    /** The code point whose UTF-8 ends just before {@code end}. */
    private static int codePointBefore(byte[] b, int end) {
        int i = end - 1;
        while (i > 0 && (b[i] & 0xC0) == 0x80 && end - i < 4) {
            i--;
        }
        return decode(b, i, end - i);
    }

    private static int decode(byte[] b, int i, int len) {
        int lead = b[i] & 0xFF;
        switch (len) {
            case 1: return lead;
            case 2: return (lead & 0x1F) << 6 | (b[i + 1] & 0x3F);
            case 3: return (lead & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | (b[i + 2] & 0x3F);
            default: return (lead & 0x07) << 18 | (b[i + 1] & 0x3F) << 12 | (b[i + 2] & 0x3F) << 6 | (b[i + 3] & 0x3F);
        }
    }

    private static void release(Workspace ws) {
        if (ws.oversized()) {
            WORKSPACE.remove();
        }
    }

    /** One thread's scratch: every stage reads one of these buffers and writes the next. */
    private static final class Workspace {
        final AlignedText source = new AlignedText(256);
        final AlignedText lowered = new AlignedText(256);
        final AlignedText chunk = new AlignedText(256);
        final AlignedText sub = new AlignedText(64);
        final AlignedBytes utf8 = new AlignedBytes(512);
        final AlignedBytes normalized = new AlignedBytes(512);
        final AlignedBytes subNormalized = new AlignedBytes(64);
        final Lattice lattice = new Lattice();
        final PieceList pieces = new PieceList();
        final PieceList subPieces = new PieceList();
        final Tokens first = new Tokens();
        final Tokens second = new Tokens();

        boolean oversized() {
            return source.capacity() > RETAINED_SCRATCH || lowered.capacity() > RETAINED_SCRATCH
                    || utf8.capacity() > RETAINED_SCRATCH || lattice.capacity() > RETAINED_SCRATCH
                    || pieces.capacity() > RETAINED_SCRATCH || first.capacity() > RETAINED_SCRATCH
                    || second.capacity() > RETAINED_SCRATCH;
        }
    }

    @Override
    public String toString() {
        return "AlbertTokenizer[" + model.size() + " pieces, normalizer " + model.normalizerName() + "]";
    }
}
