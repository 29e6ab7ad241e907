package dev.flinkalbert.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import dev.flinkalbert.tokenizer.Encoding;
import dev.flinkalbert.tokenizer.Truncation;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./albert tokenize}: JSON lines in ({@code {"text": …}}, optional {@code "text_pair"}), one JSON line out
 * per input with {@code ids} (pieces without special tokens), {@code input_ids}, {@code token_type_ids} and
 * {@code offsets} ({@code [[start, end], …]}, UTF-16 indices into the token's own text; {@code [0, 0]} for
 * {@code [CLS]}/{@code [SEP]}). With {@code --stride} a pair is a question and its context split into windows: the
 * first window is the line's fields and the others are in {@code overflowing}. A bad line gives
 * {@code {"error": …}} and the next line is read.
 */
@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        description = "Tokenize JSON lines from stdin ({\"text\": …, \"text_pair\": …}) into ALBERT model inputs on stdout.")
public final class TokenizeCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    TokenizerSource source;

    @Option(names = "--max-length", paramLabel = "N", description = "Maximum tokens per encoding, specials included (default: no limit)")
    Integer maxLength;

    @Option(names = "--truncation", paramLabel = "STRATEGY", defaultValue = "LONGEST_FIRST",
            description = "Pair truncation: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Truncation truncation;

    @Option(names = "--stride", paramLabel = "N",
            description = "Split a long text_pair (context) into windows overlapping by N tokens (needs --max-length)")
    Integer stride;

    @Override
    public Integer call() throws IOException {
        if (stride != null && maxLength == null) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--stride needs --max-length (the window size)");
        }
        AlbertTokenizer tokenizer = source.load(spec.commandLine());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) {
                continue;
            }
            out.write(JSON.writeValueAsString(process(tokenizer, line)));
            out.newLine();
            if (!in.ready()) {
                out.flush();
            }
        }
        out.flush();
        return 0;
    }

    private ObjectNode process(AlbertTokenizer tokenizer, String line) {
        try {
            JsonNode rec = JSON.readTree(line);
            JsonNode text = rec == null ? null : rec.get("text");
            if (text == null || !text.isTextual()) {
                return error("each line needs a string field \"text\"");
            }
            JsonNode pair = rec.get("text_pair");
            if (pair != null && !pair.isNull() && !pair.isTextual()) {
                return error("\"text_pair\" must be a string");
            }
            int max = maxLength == null ? Integer.MAX_VALUE : maxLength;
            ObjectNode result = JSON.createObjectNode();
            result.set("ids", ints(tokenizer.pieceIds(text.asText())));
            if (pair == null || pair.isNull()) {
                write(result, tokenizer.encode(text.asText(), max));
            } else if (stride == null) {
                result.set("pair_ids", ints(tokenizer.pieceIds(pair.asText())));
                write(result, tokenizer.encodePair(text.asText(), pair.asText(), max, truncation));
            } else {
                result.set("pair_ids", ints(tokenizer.pieceIds(pair.asText())));
                List<Encoding> windows = tokenizer.encodeQuestionContext(text.asText(), pair.asText(), max, stride);
                write(result, windows.get(0));
                ArrayNode overflowing = result.putArray("overflowing");
                for (Encoding w : windows.subList(1, windows.size())) {
                    write(overflowing.addObject(), w);
                }
            }
            return result;
        } catch (IOException | RuntimeException e) {
            return error(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static void write(ObjectNode node, Encoding e) {
        node.set("input_ids", ints(e.ids()));
        node.set("token_type_ids", ints(e.typeIds()));
        ArrayNode offsets = node.putArray("offsets");
        for (int i = 0; i < e.length(); i++) {
            offsets.addArray().add(e.starts()[i]).add(e.ends()[i]);
        }
        if (e.truncated()) {
            node.put("truncated", true);
        }
    }

    private static ArrayNode ints(int[] values) {
        ArrayNode a = JSON.createArrayNode();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static ObjectNode error(String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", message);
        return n;
    }
}
