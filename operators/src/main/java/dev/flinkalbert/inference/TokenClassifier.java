package dev.flinkalbert.inference;

import dev.flinkalbert.tokenizer.Encoding;
import dev.flinkalbert.tokenizer.processor.TruncationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Token classification (named entities), reproducing transformers 4.57's {@code pipeline("token-classification")}
 * with its {@code aggregation_strategy}: a softmax per token, {@code [CLS]}/{@code [SEP]} never reported, ignored
 * labels ({@code O} by default) left out, and tokens grouped into entities as {@link EntityAggregation} describes.
 * Entities carry character offsets into the original text and the pipeline's {@code word}.
 *
 * <p>A text longer than the maximum length is not cut: it is tagged in overlapping windows, as the pipeline does
 * with its {@code stride} option ({@code [CLS]} + up to {@code maxLength - 2} pieces + {@code [SEP]}, consecutive
 * windows sharing {@code stride} pieces), every window of every text of the call going through the model in
 * shared sub-batches; entities found twice in an overlap are merged, not duplicated (see
 * {@link TokenClassificationHead#merge}).
 *
 * <pre>{@code
 * try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).build();
 *         TokenClassifier tagger = model.tokenClassifier().aggregation(EntityAggregation.SIMPLE).build()) {
 *     for (Entity e : tagger.predict(List.of(TextInput.of("Ada Lovelace lived in London."))).get(0).value()
 *             .entities()) {
 *         System.out.println(e.label() + " " + e.word() + " [" + e.start() + ", " + e.end() + ")");
 *     }
 * }
 * }</pre>
 */
@PublicEvolving
public final class TokenClassifier extends TokenizedPredictor<TokenClassification, float[][]> {

    private final TokenClassificationHead head;
    private final int maxLength;
    private final int stride;

    /** The head is made before the lease is taken (in {@code super}): nothing after the lease throws. */
    TokenClassifier(AlbertModel model, TokenClassificationHead head, int stride, PredictorLimits limits,
            int maxLength) {
        super(model, Set.of(ModelContract.LOGITS), limits.maxBatchSize(), limits.tokenBudget());
        this.head = head;
        this.maxLength = maxLength;
        this.stride = stride;
    }

    @Override
    List<Encoding> tokenize(TextInput input) {
        if (input.textPair() != null) {
            throw new IllegalArgumentException("token classification tags one text, but the input has a text pair:"
                    + " use TextInput.of(text)");
        }
        Encoding whole = tokenizer.encode(input.text());
        int[] windows = TruncationRule.windows(0, whole.length() - 2, maxLength - 2, stride);
        if (windows.length == 2) {
            return List.of(whole);
        }
        List<Encoding> out = new ArrayList<>(windows.length / 2);
        for (int w = 0; w < windows.length; w += 2) {
            out.add(window(whole, windows[w], windows[w + 1]));
        }
        return out;
    }

    /** {@code [CLS] pieces[from, to) [SEP]} of a whole-text encoding, offsets kept. */
    private static Encoding window(Encoding whole, int from, int to) {
        int n = to - from + 2;
        int[] ids = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int[] sequence = new int[n];
        ids[0] = whole.ids()[0];
        ids[n - 1] = whole.ids()[whole.length() - 1];
        sequence[0] = -1;
        sequence[n - 1] = -1;
        System.arraycopy(whole.ids(), from + 1, ids, 1, n - 2);
        System.arraycopy(whole.starts(), from + 1, starts, 1, n - 2);
        System.arraycopy(whole.ends(), from + 1, ends, 1, n - 2);
        return new Encoding(ids, new int[n], starts, ends, sequence, true);
    }

    @Override
    float[][] read(EncoderOutputs outputs, int row) {
        float[][] probabilities = new float[outputs.length(row)][];
        for (int p = 0; p < probabilities.length; p++) {
            probabilities[p] = ClassificationHead.softmax(outputs.tokenVector(ModelContract.LOGITS, row, p));
        }
        return probabilities;
    }

    @Override
    TokenClassification combine(TextInput input, List<Encoding> encodings, List<float[][]> read) {
        int step = maxLength - 2 - stride;
        Encoding last = encodings.get(encodings.size() - 1);
        float[][] pieces = new float[(encodings.size() - 1) * step + last.length() - 2][];
        List<List<Entity>> windows = new ArrayList<>(encodings.size());
        for (int w = 0; w < encodings.size(); w++) {
            Encoding e = encodings.get(w);
            int shift = w * step; // the window's first piece is piece `shift` of the text
            float[][] probabilities = read.get(w);
            boolean[] special = new boolean[e.length()];
            for (int p = 0; p < special.length; p++) {
                special[p] = e.sequenceIds()[p] < 0;
            }
            windows.add(head.window(input.text(), e.ids(), e.starts(), e.ends(), special, probabilities, shift));
            for (int p = 1; p < e.length() - 1; p++) {
                if (pieces[shift + p - 1] == null) {
                    pieces[shift + p - 1] = probabilities[p];
                }
            }
        }
        return new TokenClassification(head.merge(windows), pieces, encodings.size());
    }

    /**
     * Builds a {@link TokenClassifier}; made by {@link AlbertModel#tokenClassifier()}. Options:
     * {@link TokenClassificationSpec}; {@code maxLength} is the window (default: the model's
     * max_position_embeddings).
     */
    public static final class Builder extends PredictorBuilder<Builder, TokenClassifier, TokenClassificationSpec> {

        Builder(AlbertModel model) {
            super(model, TokenClassificationSpec.DEFAULTS);
        }

        /** See {@link TokenClassificationSpec#aggregation()}. */
        public Builder aggregation(EntityAggregation aggregation) {
            return spec(spec.withAggregation(aggregation));
        }

        /** See {@link TokenClassificationSpec#ignoreLabels()}. */
        public Builder ignoreLabels(Set<String> labels) {
            return spec(spec.withIgnoreLabels(labels));
        }

        /** See {@link TokenClassificationSpec#stride()}. */
        public Builder stride(int pieces) {
            return spec(spec.withStride(pieces));
        }

        @Override
        public TokenClassifier build() {
            return spec.predictor(model, limits);
        }
    }
}
