package dev.flinkalbert.inference;

import dev.flinkalbert.inference.ModelContract.OutputSpec;
import java.nio.FloatBuffer;
import java.util.Map;
import org.apache.flink.annotation.Internal;

/**
 * A read-only view on the outputs of one padded sub-batch, valid only inside {@link AlbertEncoder.RowReader#read};
 * its buffers are reused for the next sub-batch. Rows are indexed within the sub-batch; positions beyond a row's
 * {@link #length(int)} are padding and never read.
 */
@Internal
public final class EncoderOutputs {

    private final Map<String, FloatBuffer> buffers;
    private final Map<String, OutputSpec> specs;
    private final int[] lengths;
    private final int paddedLength;

    EncoderOutputs(Map<String, FloatBuffer> buffers, Map<String, OutputSpec> specs, int[] lengths,
            int paddedLength) {
        this.buffers = buffers;
        this.specs = specs;
        this.lengths = lengths;
        this.paddedLength = paddedLength;
    }

    /** The number of real tokens of a row. */
    public int length(int row) {
        return lengths[row];
    }

    /** A {@code [batch, width]} output's row, e.g. {@code pooler_output} or {@code logits}. */
    public float[] vector(String output, int row) {
        OutputSpec spec = spec(output, false);
        return copy(buffers.get(output), (long) row * spec.width(), spec.width());
    }

    /** A {@code [batch, sequence, width]} output at one real position, e.g. {@code last_hidden_state} at 0. */
    public float[] tokenVector(String output, int row, int position) {
        OutputSpec spec = spec(output, true);
        if (position < 0 || position >= lengths[row]) {
            throw new IndexOutOfBoundsException("position " + position + " of a row of " + lengths[row] + " tokens");
        }
        return copy(buffers.get(output), ((long) row * paddedLength + position) * spec.width(), spec.width());
    }

    /** The mean of a {@code [batch, sequence, width]} output over the row's real tokens (the attention mask). */
    public float[] tokenMean(String output, int row) {
        OutputSpec spec = spec(output, true);
        int width = spec.width();
        FloatBuffer buffer = buffers.get(output);
        double[] sum = new double[width];
        int base = row * paddedLength * width;
        for (int position = 0; position < lengths[row]; position++) {
            int offset = base + position * width;
            for (int k = 0; k < width; k++) {
                sum[k] += buffer.get(offset + k);
            }
        }
        float[] mean = new float[width];
        for (int k = 0; k < width; k++) {
            mean[k] = (float) (sum[k] / lengths[row]);
        }
        return mean;
    }

    /** A {@code [batch, sequence]} output over the row's real tokens, e.g. {@code start_logits}. */
    public float[] tokenScalars(String output, int row) {
        spec(output, true);
        return copy(buffers.get(output), (long) row * paddedLength, lengths[row]);
    }

    private OutputSpec spec(String output, boolean perToken) {
        OutputSpec spec = specs.get(output);
        if (spec == null || !buffers.containsKey(output)) {
            throw new IllegalArgumentException("output \"" + output + "\" was not requested; requested: "
                    + buffers.keySet());
        }
        if (spec.perToken() != perToken) {
            throw new IllegalArgumentException("output \"" + output + "\" is " + (spec.perToken()
                    ? "per token [batch, sequence, …]" : "per row [batch, width]"));
        }
        return spec;
    }

    private static float[] copy(FloatBuffer buffer, long offset, int count) {
        float[] out = new float[count];
        buffer.get(Math.toIntExact(offset), out, 0, count);
        return out;
    }
}
