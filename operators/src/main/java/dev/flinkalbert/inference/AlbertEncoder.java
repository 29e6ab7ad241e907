package dev.flinkalbert.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.flinkalbert.inference.ModelContract.OutputSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.annotation.Internal;

/**
 * Runs tokenized rows through the model's shared ONNX Runtime session with no wasted padding: the rows of a call are
 * sorted by length and cut into sub-batches of at most {@code maxBatchSize} rows and {@code tokenBudget} padded
 * tokens (rows × longest row), each padded only to its own longest row; results come back in input order.
 *
 * <p>Thread-confined: one encoder per thread (per operator instance). Inputs and outputs live in direct buffers
 * owned by the encoder and reused across calls (grown when a larger sub-batch comes); ONNX Runtime reads the inputs
 * and writes the outputs in place, and each call creates and closes only the small tensor handles over them.
 *
 * <pre>{@code
 * try (AlbertEncoder encoder = model.encoder(32, 8192)) {
 *     List<float[]> pooled = encoder.encode(rows, (out, row) -> out.vector("pooler_output", row));
 * }
 * }</pre>
 */
@Internal
public final class AlbertEncoder implements AutoCloseable {

    /** Default most rows in one ONNX Runtime call: the one batch-size default (operators, SQL, CLI use it). */
    public static final int DEFAULT_MAX_BATCH_SIZE = 32;
    /**
     * Default most padded tokens (rows × padded length) in one call: bounds the activations of a sub-batch
     * (albert-base: 8192 × 768 floats = 24 MiB per hidden-state tensor).
     */
    public static final int DEFAULT_TOKEN_BUDGET = 8192;

    /** Reads what it needs from one row of a sub-batch while the outputs are live. */
    @FunctionalInterface
    public interface RowReader<T> {
        T read(EncoderOutputs outputs, int row);
    }

    private final OrtEnvironment env;
    private final SharedSessions.Lease lease;
    private final boolean feedsTokenTypes;
    private final Map<String, OutputSpec> outputs;
    private final int maxBatchSize;
    private final int tokenBudget;
    private final int maxLength;

    private LongBuffer ids = LongBuffer.allocate(0);
    private LongBuffer mask = LongBuffer.allocate(0);
    private LongBuffer types = LongBuffer.allocate(0);
    private final Map<String, FloatBuffer> outputBuffers = new HashMap<>();
    private double paddingRatio = Double.NaN;

    AlbertEncoder(SharedSessions.Lease lease, ModelContract contract, Set<String> outputNames, int maxBatchSize,
            int tokenBudget) {
        if (maxBatchSize < 1 || tokenBudget < 1) {
            lease.close();
            throw new IllegalArgumentException("maxBatchSize and tokenBudget must be at least 1, got "
                    + maxBatchSize + " and " + tokenBudget);
        }
        this.env = SharedSessions.environment();
        this.lease = lease;
        this.feedsTokenTypes = contract.feedsTokenTypes();
        Map<String, OutputSpec> selected = new LinkedHashMap<>();
        for (String name : outputNames) {
            OutputSpec spec = contract.outputs().get(name);
            if (spec == null) {
                lease.close();
                throw new IllegalArgumentException("the model has no output \"" + name + "\"; it has "
                        + contract.outputs().keySet());
            }
            selected.put(name, spec);
        }
        this.outputs = selected;
        this.maxBatchSize = maxBatchSize;
        this.tokenBudget = tokenBudget;
        this.maxLength = contract.maxLength();
    }

    /**
     * Encodes the rows and reads one result per row, in input order.
     *
     * @throws IllegalArgumentException when a row is longer than the model's maximum length
     * @throws OrtException when ONNX Runtime fails (the whole call fails; callers may bisect)
     */
    public <T> List<T> encode(List<EncodedRow> rows, RowReader<T> reader) throws OrtException {
        int[] lengths = new int[rows.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = rows.get(i).length();
            if (lengths[i] > maxLength) {
                throw new IllegalArgumentException("row " + i + " has " + lengths[i] + " tokens, more than the model's"
                        + " max_position_embeddings " + maxLength + ": truncate it when tokenizing");
            }
        }
        Object[] results = new Object[rows.size()];
        long real = 0;
        long padded = 0;
        for (int[] subBatch : plan(lengths, maxBatchSize, tokenBudget)) {
            int longest = 0;
            for (int row : subBatch) {
                real += lengths[row];
                longest = Math.max(longest, lengths[row]);
            }
            padded += (long) subBatch.length * longest;
            run(rows, subBatch, reader, results);
        }
        paddingRatio = padded == 0 ? Double.NaN : (double) (padded - real) / padded;
        @SuppressWarnings("unchecked")
        List<T> ordered = (List<T>) Arrays.asList(results);
        return ordered;
    }

    /**
     * The share of padding among the tokens fed to ONNX Runtime by the last {@link #encode} call (0 when every
     * sub-batch's rows were of equal length), or NaN before the first call and after an empty one.
     */
    public double paddingRatio() {
        return paddingRatio;
    }

    /**
     * Sub-batches as arrays of row indices: rows sorted by length (stable), each sub-batch at most
     * {@code maxBatchSize} rows and {@code tokenBudget} padded tokens; a row longer than the budget goes alone.
     */
    static List<int[]> plan(int[] lengths, int maxBatchSize, int tokenBudget) {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> lengths[i]));
        List<int[]> batches = new ArrayList<>();
        int start = 0;
        while (start < order.length) {
            int end = start + 1;
            // Sorted ascending, so the row being added is the longest: the padded size is rows × its length.
            while (end < order.length && end - start < maxBatchSize
                    && (long) (end - start + 1) * lengths[order[end]] <= tokenBudget) {
                end++;
            }
            int[] batch = new int[end - start];
            for (int i = start; i < end; i++) {
                batch[i - start] = order[i];
            }
            batches.add(batch);
            start = end;
        }
        return batches;
    }

    private <T> void run(List<EncodedRow> rows, int[] batch, RowReader<T> reader, Object[] results)
            throws OrtException {
        int batchSize = batch.length;
        int padded = 0;
        int[] lengths = new int[batchSize];
        for (int r = 0; r < batchSize; r++) {
            lengths[r] = rows.get(batch[r]).length();
            padded = Math.max(padded, lengths[r]);
        }
        int cells = batchSize * padded;
        ids = ensure(ids, cells);
        mask = ensure(mask, cells);
        if (feedsTokenTypes) {
            types = ensure(types, cells);
        }
        for (int r = 0; r < batchSize; r++) {
            EncodedRow row = rows.get(batch[r]);
            int base = r * padded;
            int[] rowIds = row.ids();
            int[] rowTypes = row.typeIds();
            for (int p = 0; p < padded; p++) {
                boolean real = p < rowIds.length;
                ids.put(base + p, real ? rowIds[p] : 0);
                mask.put(base + p, real ? 1 : 0);
                if (feedsTokenTypes) {
                    types.put(base + p, real && rowTypes != null ? rowTypes[p] : 0);
                }
            }
        }
        long[] inputShape = {batchSize, padded};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        Map<String, OnnxTensor> pinned = new HashMap<>();
        try {
            inputs.put(ModelContract.INPUT_IDS, OnnxTensor.createTensor(env, view(ids, cells), inputShape));
            inputs.put(ModelContract.ATTENTION_MASK, OnnxTensor.createTensor(env, view(mask, cells), inputShape));
            if (feedsTokenTypes) {
                inputs.put(ModelContract.TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, view(types, cells), inputShape));
            }
            Map<String, FloatBuffer> live = new HashMap<>();
            for (OutputSpec spec : outputs.values()) {
                long[] shape = spec.shape(batchSize, padded);
                int size = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
                FloatBuffer buffer = ensure(outputBuffers.get(spec.name()), size);
                outputBuffers.put(spec.name(), buffer);
                live.put(spec.name(), buffer);
                pinned.put(spec.name(), OnnxTensor.createTensor(env, view(buffer, size), shape));
            }
            OrtSession session = lease.session();
            // Pinned outputs: ONNX Runtime writes into our buffers; the Result does not own them, and holds nothing
            // else, so it is closed at once.
            session.run(inputs, pinned).close();
            EncoderOutputs view = new EncoderOutputs(live, outputs, lengths, padded);
            for (int r = 0; r < batchSize; r++) {
                results[batch[r]] = reader.read(view, r);
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
            pinned.values().forEach(OnnxTensor::close);
        }
    }

    private static LongBuffer ensure(LongBuffer buffer, int size) {
        if (buffer.capacity() >= size) {
            return buffer;
        }
        int capacity = Math.max(size, Math.min(Integer.MAX_VALUE / 16, buffer.capacity() * 2));
        return ByteBuffer.allocateDirect(capacity * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    private static FloatBuffer ensure(FloatBuffer buffer, int size) {
        if (buffer != null && buffer.capacity() >= size) {
            return buffer;
        }
        int capacity = Math.max(size, buffer == null ? 0 : Math.min(Integer.MAX_VALUE / 8, buffer.capacity() * 2));
        return ByteBuffer.allocateDirect(capacity * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static LongBuffer view(LongBuffer buffer, int size) {
        return buffer.duplicate().position(0).limit(size).slice();
    }

    private static FloatBuffer view(FloatBuffer buffer, int size) {
        return buffer.duplicate().position(0).limit(size).slice();
    }

    /** Releases this encoder's hold on the shared session; the buffers go with the encoder. */
    @Override
    public void close() {
        lease.close();
    }
}
