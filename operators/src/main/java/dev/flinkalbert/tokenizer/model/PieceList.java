package dev.flinkalbert.tokenizer.model;

import java.util.Arrays;
import org.apache.flink.annotation.Internal;

/** Pieces as parallel int arrays: byte span {@code [start, end)} in the normalised text and the piece id. Reused. */
@Internal
public final class PieceList {

    private int[] starts = new int[64];
    private int[] ends = new int[64];
    private int[] ids = new int[64];
    private int size;

    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    public int start(int i) {
        return starts[i];
    }

    public int end(int i) {
        return ends[i];
    }

    public int id(int i) {
        return ids[i];
    }

    void add(int start, int end, int id) {
        if (size == ids.length) {
            int c = size * 2;
            starts = Arrays.copyOf(starts, c);
            ends = Arrays.copyOf(ends, c);
            ids = Arrays.copyOf(ids, c);
        }
        starts[size] = start;
        ends[size] = end;
        ids[size++] = id;
    }

    /** Moves the start of the last piece (merging unknown pieces while reading the lattice backwards). */
    void setLastStart(int start) {
        starts[size - 1] = start;
    }


    /** Reverses the order of the pieces (the lattice is read back to front). */
    void reverse() {
        for (int i = 0, j = size - 1; i < j; i++, j--) {
            int t = starts[i]; starts[i] = starts[j]; starts[j] = t;
            t = ends[i]; ends[i] = ends[j]; ends[j] = t;
            t = ids[i]; ids[i] = ids[j]; ids[j] = t;
        }
    }

    public int capacity() {
        return ids.length;
    }
}
