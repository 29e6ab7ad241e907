package dev.flinkalbert.tokenizer.sentencepiece;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.Internal;

/**
 * The parts of a SentencePiece {@code ModelProto} ({@code spiece.model}) a unigram tokenizer needs, read straight
 * from the protobuf wire format (no protobuf library): pieces with score and type, the normaliser's precompiled
 * charsmap and whitespace flags, and the trainer's model type.
 *
 * <p>Field numbers follow {@code sentencepiece_model.proto}: {@code ModelProto.pieces = 1, trainer_spec = 2,
 * normalizer_spec = 3}; {@code SentencePiece.piece = 1, score = 2, type = 3}; {@code NormalizerSpec.name = 1,
 * precompiled_charsmap = 2, add_dummy_prefix = 3, remove_extra_whitespaces = 4, escape_whitespaces = 5};
 * {@code TrainerSpec.model_type = 3, treat_whitespace_as_suffix = 24, byte_fallback = 35}.
 */
@Internal
public final class SentencePieceModel {

    /** {@code ModelProto.SentencePiece.Type}. */
    public enum PieceType {
        NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

        static PieceType of(int wire) {
            switch (wire) {
                case 1: return NORMAL;
                case 2: return UNKNOWN;
                case 3: return CONTROL;
                case 4: return USER_DEFINED;
                case 5: return UNUSED;
                case 6: return BYTE;
                default: throw new IllegalArgumentException("unknown SentencePiece piece type " + wire);
            }
        }
    }

    private static final int MODEL_TYPE_UNIGRAM = 1;

    private final String[] pieces;
    private final float[] scores;
    private final PieceType[] types;
    private final byte[] precompiledCharsmap;
    private final String normalizerName;
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;

    private SentencePieceModel(Builder b) {
        this.pieces = b.pieces.toArray(new String[0]);
        this.scores = new float[pieces.length];
        this.types = new PieceType[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            scores[i] = b.scores.get(i);
            types[i] = b.types.get(i);
        }
        this.precompiledCharsmap = b.charsmap;
        this.normalizerName = b.normalizerName;
        this.addDummyPrefix = b.addDummyPrefix;
        this.removeExtraWhitespaces = b.removeExtraWhitespaces;
        this.escapeWhitespaces = b.escapeWhitespaces;
    }

    public static SentencePieceModel read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null,
                    "no SentencePiece model there; give the ALBERT model's spiece.model (or its model directory)");
        }
        try {
            return parse(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not a usable SentencePiece model: " + e.getMessage(), e);
        }
    }

    /** Parses {@code ModelProto} bytes; throws IllegalArgumentException on malformed or unsupported models. */
    public static SentencePieceModel parse(byte[] proto) {
        Builder b = new Builder();
        Wire w = new Wire(proto, 0, proto.length);
        int modelType = MODEL_TYPE_UNIGRAM;
        while (w.more()) {
            int tag = w.varint32();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {
                readPiece(w.message(), b);
            } else if (field == 2 && (tag & 7) == 2) {
                Wire t = w.message();
                while (t.more()) {
                    int ttag = t.varint32();
                    int tfield = ttag >>> 3;
                    if (tfield == 3 && (ttag & 7) == 0) {
                        modelType = (int) t.varint();
                    } else if (tfield == 24 && (ttag & 7) == 0 && t.varint() != 0) {
                        throw new IllegalArgumentException("treat_whitespace_as_suffix models are not supported");
                    } else if (tfield == 35 && (ttag & 7) == 0 && t.varint() != 0) {
                        throw new IllegalArgumentException("byte_fallback models are not supported");
                    } else if (!(tfield == 3 || tfield == 24 || tfield == 35) || (ttag & 7) != 0) {
                        t.skip(ttag);
                    }
                }
            } else if (field == 3 && (tag & 7) == 2) {
                readNormalizer(w.message(), b);
            } else {
                w.skip(tag);
            }
        }
        if (modelType != MODEL_TYPE_UNIGRAM) {
            throw new IllegalArgumentException("model_type " + modelType + " is not UNIGRAM (1)");
        }
        if (b.pieces.isEmpty()) {
            throw new IllegalArgumentException("no pieces");
        }
        return new SentencePieceModel(b);
    }

    private static void readPiece(Wire p, Builder b) {
        String piece = "";
        float score = 0f;
        PieceType type = PieceType.NORMAL;
        while (p.more()) {
            int tag = p.varint32();
            switch (tag) {
                case (1 << 3) | 2: piece = p.string(); break;
                case (2 << 3) | 5: score = Float.intBitsToFloat(p.fixed32()); break;
                case (3 << 3): type = PieceType.of((int) p.varint()); break;
                default: p.skip(tag);
            }
        }
        b.pieces.add(piece);
        b.scores.add(score);
        b.types.add(type);
    }

    private static void readNormalizer(Wire n, Builder b) {
        while (n.more()) {
            int tag = n.varint32();
            switch (tag) {
                case (1 << 3) | 2: b.normalizerName = n.string(); break;
                case (2 << 3) | 2: b.charsmap = n.bytes(); break;
                case (3 << 3): b.addDummyPrefix = n.varint() != 0; break;
                case (4 << 3): b.removeExtraWhitespaces = n.varint() != 0; break;
                case (5 << 3): b.escapeWhitespaces = n.varint() != 0; break;
                default: n.skip(tag);
            }
        }
    }

    /**
     * A model from parts read elsewhere (an HF {@code tokenizer.json}); whitespace handling is SentencePiece's
     * default (dummy prefix, extra whitespace removed, spaces escaped).
     */
    static SentencePieceModel of(List<String> pieces, List<Float> scores, List<PieceType> types, byte[] charsmap, String name) {
        Builder b = new Builder();
        b.pieces.addAll(pieces);
        b.scores.addAll(scores);
        b.types.addAll(types);
        b.charsmap = charsmap;
        b.normalizerName = name;
        return new SentencePieceModel(b);
    }

    public int size() {
        return pieces.length;
    }

    public String piece(int id) {
        return pieces[id];
    }

    public float score(int id) {
        return scores[id];
    }

    public PieceType type(int id) {
        return types[id];
    }

    /** The first id whose piece string is {@code piece}, or -1. */
    public int find(String piece) {
        for (int i = 0; i < pieces.length; i++) {
            if (pieces[i].equals(piece)) {
                return i;
            }
        }
        return -1;
    }

    /** The precompiled charsmap blob, or an empty array when the model has none (identity normalisation). */
    public byte[] precompiledCharsmap() {
        return precompiledCharsmap.clone();
    }

    public String normalizerName() {
        return normalizerName;
    }

    public boolean addDummyPrefix() {
        return addDummyPrefix;
    }

    public boolean removeExtraWhitespaces() {
        return removeExtraWhitespaces;
    }

    public boolean escapeWhitespaces() {
        return escapeWhitespaces;
    }

    private static final class Builder {
        final List<String> pieces = new ArrayList<>();
        final List<Float> scores = new ArrayList<>();
        final List<PieceType> types = new ArrayList<>();
        byte[] charsmap = new byte[0];
        String normalizerName = "";
        // proto2 defaults of NormalizerSpec
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
    }

    /** A cursor over protobuf wire-format bytes. */
    private static final class Wire {
        private final byte[] buf;
        private int pos;
        private final int end;

        Wire(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated varint at byte " + pos);
                }
                byte b = buf[pos++];
                result |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("malformed varint at byte " + pos);
        }

        int varint32() {
            return (int) varint();
        }

        int fixed32() {
            need(4);
            int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
            pos += 4;
            return v;
        }

        private int length() {
            long len = varint();
            if (len < 0 || len > end - pos) {
                throw new IllegalArgumentException("length " + len + " past the end at byte " + pos);
            }
            return (int) len;
        }

        Wire message() {
            int len = length();
            Wire sub = new Wire(buf, pos, pos + len);
            pos += len;
            return sub;
        }

        byte[] bytes() {
            int len = length();
            byte[] out = new byte[len];
            System.arraycopy(buf, pos, out, 0, len);
            pos += len;
            return out;
        }

        String string() {
            int len = length();
            String s = new String(buf, pos, len, StandardCharsets.UTF_8);
            pos += len;
            return s;
        }

        private void need(int n) {
            if (end - pos < n) {
                throw new IllegalArgumentException("truncated field at byte " + pos);
            }
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0: varint(); break;
                case 1: need(8); pos += 8; break;
                case 2: {
                    int len = length(); // read before adding: length() moves pos
                    pos += len;
                    break;
                }
                case 5: need(4); pos += 4; break;
                default: throw new IllegalArgumentException("unsupported wire type " + (tag & 7) + " at byte " + pos);
            }
        }
    }
}
