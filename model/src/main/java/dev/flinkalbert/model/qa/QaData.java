package dev.flinkalbert.model.qa;

import dev.flinkalbert.model.training.BatchSource;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import dev.flinkalbert.tokenizer.Encoding;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * SQuAD examples cut into windows ({@code [CLS] question [SEP] context window [SEP]}, overlapping by {@code stride}
 * tokens) with start/end token labels as {@code transformers}' {@code run_qa.py} makes them: a window that does not
 * hold the whole first answer is labelled [CLS] (0, 0).
 *
 * <pre>{@code
 * QaData train = QaData.encode(SquadExample.read(file), tokenizer, 384, 128, 16, 42L);
 * }</pre>
 */
public final class QaData implements BatchSource<QaBatch> {

    /** One window of one example, with its labels. */
    public record Feature(int example, Encoding encoding, int startPosition, int endPosition) {}

    private final List<SquadExample> examples;
    private final List<Feature> features;
    private final int batchSize;
    private final long seed;
    private final int padId;
    private final int clsId;
    private long cachedEpoch = -1;
    private List<Feature> cachedOrder;

    private QaData(List<SquadExample> examples, List<Feature> features, int batchSize, long seed, int padId,
            int clsId) {
        if (features.isEmpty()) {
            throw new IllegalArgumentException("no question-answering examples");
        }
        this.examples = examples;
        this.features = features;
        this.batchSize = batchSize;
        this.seed = seed;
        this.padId = padId;
        this.clsId = clsId;
    }

    public static QaData encode(List<SquadExample> examples, AlbertTokenizer tokenizer, int maxLength, int stride,
            int batchSize, long seed) {
        List<Feature> features = new ArrayList<>();
        for (int x = 0; x < examples.size(); x++) {
            SquadExample example = examples.get(x);
            for (Encoding window : tokenizer.encodeQuestionContext(example.question(), example.context(), maxLength,
                    stride)) {
                int[] labels = example.answers().isEmpty() ? new int[] {0, 0} : labels(window, example.answers().get(0));
                features.add(new Feature(x, window, labels[0], labels[1]));
            }
        }
        return new QaData(List.copyOf(examples), List.copyOf(features), batchSize, seed, tokenizer.padId(),
                tokenizer.clsId());
    }

    /** run_qa.py's labelling: the tokens whose offsets cover the answer's first and last character. */
    static int[] labels(Encoding window, SquadExample.Answer answer) {
        int startChar = answer.start();
        int endChar = answer.start() + answer.text().length();
        int[] seq = window.sequenceIds();
        int first = -1;
        int last = -1;
        for (int i = 0; i < seq.length; i++) {
            if (seq[i] == 1) {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        if (first < 0 || window.starts()[first] > startChar || window.ends()[last] < endChar) {
            return new int[] {0, 0};
        }
        int start = first;
        while (start <= last && window.starts()[start] <= startChar) {
            start++;
        }
        int end = last;
        while (end >= first && window.ends()[end] >= endChar) {
            end--;
        }
        return new int[] {start - 1, end + 1};
    }

    public List<SquadExample> examples() {
        return examples;
    }

    public List<Feature> features() {
        return features;
    }

    /** The tokenizer's [CLS] id, which answer decoding keeps in its softmax. */
    public int clsId() {
        return clsId;
    }

    public int batchesPerEpoch() {
        return (features.size() + batchSize - 1) / batchSize;
    }

    @Override
    public synchronized QaBatch batch(long index) {
        long epoch = index / batchesPerEpoch();
        if (epoch != cachedEpoch) {
            List<Feature> order = new ArrayList<>(features);
            Collections.shuffle(order, new Random(seed * 31 + epoch));
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        int first = (int) (index % batchesPerEpoch()) * batchSize;
        return assemble(cachedOrder.subList(first, Math.min(first + batchSize, cachedOrder.size())));
    }

    /** Batches of the features in order (for prediction); batch i holds features [i·size, (i+1)·size). */
    public List<QaBatch> inOrder() {
        List<QaBatch> out = new ArrayList<>();
        for (int i = 0; i < features.size(); i += batchSize) {
            out.add(assemble(features.subList(i, Math.min(i + batchSize, features.size()))));
        }
        return out;
    }

    private QaBatch assemble(List<Feature> rows) {
        int length = rows.stream().mapToInt(f -> f.encoding().length()).max().orElse(1);
        int b = rows.size();
        long[] ids = new long[b * length];
        long[] mask = new long[b * length];
        long[] types = new long[b * length];
        long[] starts = new long[b];
        long[] ends = new long[b];
        long real = 0;
        for (int r = 0; r < b; r++) {
            Encoding e = rows.get(r).encoding();
            for (int i = 0; i < length; i++) {
                boolean inside = i < e.length();
                ids[r * length + i] = inside ? e.ids()[i] : padId;
                mask[r * length + i] = inside ? 1 : 0;
                types[r * length + i] = inside ? e.typeIds()[i] : 0;
            }
            starts[r] = rows.get(r).startPosition();
            ends[r] = rows.get(r).endPosition();
            real += e.length();
        }
        return new QaBatch(b, length, ids, mask, types, starts, ends, real);
    }
}
