package dev.flinkalbert.model.classification;

import dev.flinkalbert.model.training.BatchSource;
import dev.flinkalbert.tokenizer.AlbertTokenizer;
import dev.flinkalbert.tokenizer.Encoding;
import dev.flinkalbert.tokenizer.Truncation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Tokenized classification examples and their batches: shuffled per epoch (seeded by epoch) for training, in order
 * for evaluation. Pairs are truncated longest-first, as {@code transformers}' tokenizers do by default.
 *
 * <pre>{@code
 * ClassificationData train = ClassificationData.encode(examples, tokenizer, labelIds, 128, 32, 42L);
 * ClassificationBatch first = train.batch(0);
 * }</pre>
 */
public final class ClassificationData implements BatchSource<ClassificationBatch> {

    private record Example(int[] ids, int[] types, int label) {}

    private final List<Example> examples;
    private final int batchSize;
    private final long seed;
    private final int padId;
    private long cachedEpoch = -1;
    private List<Example> cachedOrder;

    private ClassificationData(List<Example> examples, int batchSize, long seed, int padId) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to train or evaluate on");
        }
        this.examples = examples;
        this.batchSize = batchSize;
        this.seed = seed;
        this.padId = padId;
    }

    /** Tokenizes every example; a label missing from {@code labelIds} is an error naming it. */
    public static ClassificationData encode(List<LabeledText> texts, AlbertTokenizer tokenizer,
            Map<String, Integer> labelIds, int maxLength, int batchSize, long seed) {
        List<Example> out = new ArrayList<>(texts.size());
        for (LabeledText t : texts) {
            Integer label = labelIds.get(t.label());
            if (label == null) {
                throw new IllegalArgumentException("label '" + t.label() + "' is not one of the model's labels "
                        + labelIds.keySet());
            }
            Encoding e = t.textPair() == null ? tokenizer.encode(t.text(), maxLength)
                    : tokenizer.encodePair(t.text(), t.textPair(), maxLength, Truncation.LONGEST_FIRST);
            out.add(new Example(e.ids(), e.typeIds(), label));
        }
        return new ClassificationData(out, batchSize, seed, tokenizer.padId());
    }

    public int size() {
        return examples.size();
    }

    /** Training batches per epoch (the last may be smaller). */
    public int batchesPerEpoch() {
        return (examples.size() + batchSize - 1) / batchSize;
    }

    /** The class id of each example, in order. */
    public int[] labels() {
        return examples.stream().mapToInt(Example::label).toArray();
    }

    @Override
    public synchronized ClassificationBatch batch(long index) {
        long epoch = index / batchesPerEpoch();
        if (epoch != cachedEpoch) {
            List<Example> order = new ArrayList<>(examples);
            Collections.shuffle(order, new Random(seed * 31 + epoch));
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        int first = (int) (index % batchesPerEpoch()) * batchSize;
        return assemble(cachedOrder.subList(first, Math.min(first + batchSize, cachedOrder.size())));
    }

    /** The examples in their original order, {@code batchSize} at a time, for evaluation. */
    public List<ClassificationBatch> inOrder() {
        List<ClassificationBatch> out = new ArrayList<>();
        for (int i = 0; i < examples.size(); i += batchSize) {
            out.add(assemble(examples.subList(i, Math.min(i + batchSize, examples.size()))));
        }
        return out;
    }

    private ClassificationBatch assemble(List<Example> rows) {
        int length = rows.stream().mapToInt(e -> e.ids().length).max().orElse(1);
        int b = rows.size();
        long[] ids = new long[b * length];
        long[] mask = new long[b * length];
        long[] types = new long[b * length];
        long[] labels = new long[b];
        long real = 0;
        for (int r = 0; r < b; r++) {
            Example e = rows.get(r);
            for (int i = 0; i < length; i++) {
                boolean inside = i < e.ids().length;
                ids[r * length + i] = inside ? e.ids()[i] : padId;
                mask[r * length + i] = inside ? 1 : 0;
                types[r * length + i] = inside ? e.types()[i] : 0;
            }
            labels[r] = e.label();
            real += e.ids().length;
        }
        return new ClassificationBatch(b, length, ids, mask, types, labels, real);
    }
}
