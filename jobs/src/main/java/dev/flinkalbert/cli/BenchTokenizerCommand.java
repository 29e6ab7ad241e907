package dev.flinkalbert.cli;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import dev.flinkalbert.tokenizer.Encoding;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./albert bench tokenizer}: encodes the same texts ({@code [CLS] text [SEP]} with offsets, no truncation,
 * no padding) with this project's tokenizer and with HF's Rust tokenizer (through DJL) in one process, on one
 * thread, after warm-up; prints texts/s and MB/s (UTF-8 input) for each as medians of the repeats, and
 * {@code ratio:} ours ÷ Rust. The figures also go to a JSON file.
 */
@Command(
        name = "tokenizer",
        mixinStandardHelpOptions = true,
        description = "Tokenizer speed: ours vs HF's Rust tokenizer (DJL), single thread.")
public final class BenchTokenizerCommand implements Callable<Integer> {

    static final int DEFAULT_REPEATS = 5;
    static final int DEFAULT_WARMUP_PASSES = 3;
    static final String DEFAULT_JSON_OUT = "target/bench-tokenizer.json";


    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    TokenizerSource source;

    @Option(names = "--tokenizer-json", required = true, paramLabel = "FILE",
            description = "HF tokenizer.json of the same vocabulary, for the Rust tokenizer")
    Path tokenizerJson;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSON lines with a \"text\" field")
    Path input;

    @Option(names = "--repeats", defaultValue = "" + DEFAULT_REPEATS, paramLabel = "N",
            description = "Timed passes over all texts per tokenizer (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--warmup", defaultValue = "" + DEFAULT_WARMUP_PASSES, paramLabel = "N",
            description = "Untimed passes per tokenizer first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--json-out", defaultValue = DEFAULT_JSON_OUT, paramLabel = "FILE",
            description = "Where to write the figures (default: ${DEFAULT-VALUE})")
    Path jsonOut;

    /** Keeps results alive so the JIT cannot drop the work. */
    private long sink;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (repeats < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--repeats must be >= 1");
        }
        List<String> texts = readTexts(input);
        if (texts.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), input + " has no \"text\" lines");
        }
        long bytes = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
        AlbertTokenizer ours = source.load(spec.commandLine());
        try (HuggingFaceTokenizer rust = HuggingFaceTokenizer.builder()
                .optTokenizerPath(tokenizerJson)
                .optAddSpecialTokens(true)
                .optTruncation(false)
                .optPadding(false)
                .build()) {
            int agree = 0;
            for (String t : texts) {
                agree += Arrays.equals(ours.encode(t).ids(), Arrays.stream(rust.encode(t).getIds()).mapToInt(l -> (int) l).toArray()) ? 1 : 0;
            }
            for (int w = 0; w < warmup; w++) {
                runOurs(ours, texts);
                runRust(rust, texts);
            }
            double[] oursSeconds = new double[repeats];
            double[] rustSeconds = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                oursSeconds[r] = runOurs(ours, texts);
                rustSeconds[r] = runRust(rust, texts);
            }
            double oursTps = texts.size() / BenchFigures.median(oursSeconds);
            double rustTps = texts.size() / BenchFigures.median(rustSeconds);
            double ratio = oursTps / rustTps;
            out.printf("texts: %d (%d UTF-8 bytes, %.1f bytes/text), %d repeats after %d warm-up passes, 1 thread%n",
                    texts.size(), bytes, (double) bytes / texts.size(), repeats, warmup);
            out.printf("ids equal on %d of %d texts%n", agree, texts.size());
            out.printf("ours (flink-albert):        %,10.0f texts/s  %6.2f MB/s%n", oursTps, oursTps * bytes / texts.size() / 1e6);
            out.printf("rust (HF tokenizers, DJL):  %,10.0f texts/s  %6.2f MB/s%n", rustTps, rustTps * bytes / texts.size() / 1e6);
            out.printf(Locale.ROOT, "ratio: %.2f%n", ratio);
            writeJson(texts.size(), bytes, agree, oursSeconds, rustSeconds, oursTps, rustTps, ratio);
        }
        return sink == 42 ? 1 : 0;
    }

    private double runOurs(AlbertTokenizer tokenizer, List<String> texts) {
        long t0 = System.nanoTime();
        long s = 0;
        for (String t : texts) {
            Encoding e = tokenizer.encode(t);
            s += e.ids()[e.length() - 2] + e.ends()[e.length() - 2];
        }
        sink += s;
        return (System.nanoTime() - t0) / 1e9;
    }

    private double runRust(HuggingFaceTokenizer tokenizer, List<String> texts) {
        long t0 = System.nanoTime();
        long s = 0;
        for (String t : texts) {
            ai.djl.huggingface.tokenizers.Encoding e = tokenizer.encode(t);
            s += e.getIds()[e.getIds().length - 2] + e.getCharTokenSpans().length;
        }
        sink += s;
        return (System.nanoTime() - t0) / 1e9;
    }

    private void writeJson(int count, long bytes, int agree, double[] oursSeconds, double[] rustSeconds,
            double oursTps, double rustTps, double ratio) throws IOException {
        ObjectNode root = BenchFigures.root("tokenizer");
        root.put("input", input.toString());
        root.put("texts", count);
        root.put("utf8_bytes", bytes);
        root.put("repeats", repeats);
        root.put("warmup_passes", warmup);
        root.put("threads", 1);
        root.put("ids_equal", agree);
        ObjectNode o = root.putObject("ours");
        o.put("texts_per_s", oursTps);
        o.put("mb_per_s", oursTps * bytes / count / 1e6);
        o.set("seconds_per_pass", BenchFigures.JSON.valueToTree(oursSeconds));
        ObjectNode r = root.putObject("rust");
        r.put("texts_per_s", rustTps);
        r.put("mb_per_s", rustTps * bytes / count / 1e6);
        r.set("seconds_per_pass", BenchFigures.JSON.valueToTree(rustSeconds));
        root.put("ratio", ratio);
        root.put("java", System.getProperty("java.version"));
        root.put("available_processors", Runtime.getRuntime().availableProcessors());
        BenchFigures.write(root, jsonOut, spec.commandLine().getOut());
    }

    static List<String> readTexts(Path file) throws IOException {
        List<String> texts = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode text = BenchFigures.JSON.readTree(line).get("text");
                if (text != null && text.isTextual()) {
                    texts.add(text.asText());
                }
            }
        }
        return texts;
    }
}
