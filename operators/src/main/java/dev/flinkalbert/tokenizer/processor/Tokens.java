package dev.flinkalbert.tokenizer.processor;

import java.util.Arrays;
import org.apache.flink.annotation.Internal;

/** The tokens of one text, before templates: ids and original spans as parallel int arrays. Reused per thread. */
@Internal
public final class Tokens {

    private int[] ids = new int[64];
    private int[] starts = new int[64];
    private int[] ends = new int[64];
    private int size;

    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    public int id(int i) {
        return ids[i];
    }

    public int start(int i) {
        return starts[i];
    }

    public int end(int i) {
        return ends[i];
    }

    public void add(int id, int start, int end) {
        if (size == ids.length) {
            int c = size * 2;
            ids = Arrays.copyOf(ids, c);
            starts = Arrays.copyOf(starts, c);
            ends = Arrays.copyOf(ends, c);
        }
        ids[size] = id;
        starts[size] = start;
        ends[size++] = end;
    }

    /** The ids as a new array. */
    public int[] idsArray() {
        return Arrays.copyOf(ids, size);
    }

    public int capacity() {
        return ids.length;
    }
}
