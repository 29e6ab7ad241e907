package dev.flinkalbert.model.pretraining;

import dev.flinkalbert.model.training.BatchSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Pretraining batches from tokenized documents: each epoch cuts new sentence-order pairs and shuffles them (seeded
 * by epoch), and each batch draws a fresh n-gram mask (seeded by batch index): dynamic masking, reproducible and
 * resumable because a batch is a function of its index alone.
 *
 * <pre>{@code
 * PretrainingData data = new PretrainingData(documents, Vocabulary.albert(30000, wordStart), 128, 32, 42L);
 * PretrainingBatch first = data.batch(0);
 * }</pre>
 */
public final class PretrainingData implements BatchSource<PretrainingBatch> {

    /** BERT's and ALBERT's share of pairs cut shorter than the maximum, so the model sees short inputs too. */
    public static final double SHORT_SEQUENCE_PROBABILITY = 0.1;

    private final List<List<int[]>> documents;
    private final Vocabulary vocabulary;
    private final int maxSequenceLength;
    private final int batchSize;
    private final long seed;
    private final NgramMasking masking;
    private final int batchesPerEpoch;
    private long cachedEpoch = -1;
    private List<SentenceOrderPairs.Pair> cachedPairs;

    public PretrainingData(List<List<int[]>> documents, Vocabulary vocabulary, int maxSequenceLength, int batchSize,
            long seed) {
        this(documents, vocabulary, maxSequenceLength, batchSize, seed,
                new NgramMasking(vocabulary, NgramMasking.DEFAULT_MASK_PROBABILITY, NgramMasking.DEFAULT_MAX_NGRAM));
    }

    public PretrainingData(List<List<int[]>> documents, Vocabulary vocabulary, int maxSequenceLength, int batchSize,
            long seed, NgramMasking masking) {
        if (maxSequenceLength < 5) {
            throw new IllegalArgumentException("maxSequenceLength must be >= 5, got " + maxSequenceLength);
        }
        this.documents = List.copyOf(documents);
        this.vocabulary = vocabulary;
        this.maxSequenceLength = maxSequenceLength;
        this.batchSize = batchSize;
        this.seed = seed;
        this.masking = masking;
        int pairs = pairs(0).size();
        if (pairs == 0) {
            throw new IllegalArgumentException("the corpus gives no sentence pair: it needs documents with at least "
                    + "two tokens");
        }
        this.batchesPerEpoch = Math.max(1, pairs / batchSize);
    }

    /** Batches per epoch (the first epoch's pair count over the batch size; later epochs wrap to it). */
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    @Override
    public synchronized PretrainingBatch batch(long index) {
        long epoch = index / batchesPerEpoch;
        List<SentenceOrderPairs.Pair> pairs = pairs(epoch);
        int first = (int) (index % batchesPerEpoch) * batchSize;
        List<SentenceOrderPairs.Pair> rows = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            rows.add(pairs.get((first + i) % pairs.size()));
        }
        return assemble(rows, index);
    }

    /**
     * Every pair of the first epoch exactly once, in batches of at most the batch size (the last may be smaller),
     * masked as {@link #batch} masks: a fixed evaluation set, e.g. of held-out documents.
     */
    public synchronized List<PretrainingBatch> evaluationBatches() {
        List<SentenceOrderPairs.Pair> pairs = pairs(0);
        List<PretrainingBatch> out = new ArrayList<>();
        for (int first = 0; first < pairs.size(); first += batchSize) {
            out.add(assemble(pairs.subList(first, Math.min(pairs.size(), first + batchSize)), out.size()));
        }
        return out;
    }

    private PretrainingBatch assemble(List<SentenceOrderPairs.Pair> rows, long index) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        List<int[]> ids = new ArrayList<>();
        List<int[]> types = new ArrayList<>();
        List<NgramMasking.Masked> masked = new ArrayList<>();
        int length = 0;
        for (SentenceOrderPairs.Pair p : rows) {
            int n = p.first().length + p.second().length + 3;
            int[] row = new int[n];
            int[] type = new int[n];
            row[0] = vocabulary.cls();
            System.arraycopy(p.first(), 0, row, 1, p.first().length);
            row[1 + p.first().length] = vocabulary.sep();
            System.arraycopy(p.second(), 0, row, 2 + p.first().length, p.second().length);
            row[n - 1] = vocabulary.sep();
            for (int i = 2 + p.first().length; i < n; i++) {
                type[i] = 1;
            }
            NgramMasking.Masked m = masking.apply(row, random);
            ids.add(m.ids());
            types.add(type);
            masked.add(m);
            length = Math.max(length, n);
        }
        int b = rows.size();
        long[] inputIds = new long[b * length];
        long[] mask = new long[b * length];
        long[] typeIds = new long[b * length];
        long[] sop = new long[b];
        int predictions = masked.stream().mapToInt(m -> m.positions().length).sum();
        long[] positions = new long[predictions];
        long[] labels = new long[predictions];
        long real = 0;
        int at = 0;
        for (int r = 0; r < b; r++) {
            int[] row = ids.get(r);
            for (int i = 0; i < row.length; i++) {
                inputIds[r * length + i] = row[i];
                mask[r * length + i] = 1;
                typeIds[r * length + i] = types.get(r)[i];
            }
            for (int i = row.length; i < length; i++) {
                inputIds[r * length + i] = vocabulary.pad();
            }
            real += row.length;
            NgramMasking.Masked m = masked.get(r);
            for (int k = 0; k < m.positions().length; k++) {
                positions[at] = (long) r * length + m.positions()[k];
                labels[at++] = m.labels()[k];
            }
            sop[r] = rows.get(r).swapped() ? 1 : 0;
        }
        return new PretrainingBatch(b, length, inputIds, mask, typeIds, positions, labels, sop, real);
    }

    private List<SentenceOrderPairs.Pair> pairs(long epoch) {
        if (epoch != cachedEpoch) {
            SplittableRandom random = new SplittableRandom(seed + 0x51ED27L * (epoch + 1));
            List<SentenceOrderPairs.Pair> pairs = new ArrayList<>(SentenceOrderPairs.create(documents,
                    maxSequenceLength - 3, SHORT_SEQUENCE_PROBABILITY, random));
            Collections.shuffle(pairs, new Random(random.nextLong()));
            cachedPairs = pairs;
            cachedEpoch = epoch;
        }
        return cachedPairs;
    }
}
