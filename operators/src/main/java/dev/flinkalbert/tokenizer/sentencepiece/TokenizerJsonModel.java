package dev.flinkalbert.tokenizer.sentencepiece;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flinkalbert.tokenizer.sentencepiece.SentencePieceModel.PieceType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.annotation.Internal;

/**
 * Reads the SentencePiece unigram model back out of an HF {@code tokenizer.json} (for model directories without
 * {@code spiece.model}): the Unigram vocabulary with scores, the unknown id, the special added tokens (CONTROL)
 * and the {@code Precompiled} normaliser's charsmap.
 *
 * <p>What the file does not say is inferred the way SentencePiece writes models: a piece with score exactly 0 that
 * is not special is USER_DEFINED (trained pieces have negative log-probabilities). Known loss: HF's ALBERT
 * converter gives pieces ending in a digit and a comma the score -100, so those pieces are never chosen here, where
 * {@code spiece.model} would choose them and ALBERT's digit-comma rule would split them again; the ids mostly agree
 * but prefer {@code spiece.model} where both exist.
 */
@Internal
public final class TokenizerJsonModel {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerJsonModel() {}

    public static SentencePieceModel read(Path tokenizerJson) throws IOException {
        JsonNode root = JSON.readTree(tokenizerJson.toFile());
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IOException(tokenizerJson + " is not a usable unigram tokenizer.json: " + e.getMessage(), e);
        }
    }

    static SentencePieceModel parse(JsonNode root) {
        JsonNode model = root.path("model");
        if (!"Unigram".equals(model.path("type").asText())) {
            throw new IllegalArgumentException("model.type is " + model.path("type") + ", not \"Unigram\"");
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new IllegalArgumentException("byte_fallback models are not supported");
        }
        JsonNode vocab = model.path("vocab");
        if (!vocab.isArray() || vocab.isEmpty()) {
            throw new IllegalArgumentException("model.vocab is missing or empty");
        }
        int unkId = model.path("unk_id").asInt(-1);
        Set<Integer> special = new HashSet<>();
        for (JsonNode t : root.path("added_tokens")) {
            if (t.path("special").asBoolean(false)) {
                special.add(t.path("id").asInt());
            }
        }
        List<String> pieces = new ArrayList<>(vocab.size());
        List<Float> scores = new ArrayList<>(vocab.size());
        List<PieceType> types = new ArrayList<>(vocab.size());
        for (int id = 0; id < vocab.size(); id++) {
            JsonNode entry = vocab.get(id);
            String piece = entry.get(0).asText();
            float score = (float) entry.get(1).asDouble();
            pieces.add(piece);
            scores.add(score);
            types.add(id == unkId ? PieceType.UNKNOWN
                    : special.contains(id) ? PieceType.CONTROL
                    : score == 0f ? PieceType.USER_DEFINED
                    : PieceType.NORMAL);
        }
        if (unkId < 0 || unkId >= pieces.size()) {
            throw new IllegalArgumentException("model.unk_id is missing");
        }
        JsonNode precompiled = findPrecompiled(root.path("normalizer"));
        byte[] charsmap = precompiled == null
                ? new byte[0]
                : Base64.getDecoder().decode(precompiled.path("precompiled_charsmap").asText());
        return SentencePieceModel.of(pieces, scores, types, charsmap, precompiled == null ? "identity" : "precompiled");
    }

    private static JsonNode findPrecompiled(JsonNode normalizer) {
        if ("Precompiled".equals(normalizer.path("type").asText())) {
            return normalizer;
        }
        for (JsonNode n : normalizer.path("normalizers")) {
            JsonNode found = findPrecompiled(n);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
