package dev.flinkalbert.tokenizer.model;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import org.apache.flink.annotation.Internal;

/**
 * An immutable double-array trie over byte strings (UTF-8): a node's child for byte {@code b} is
 * {@code base[node] + b + 1} when {@code check} of that slot names the node. Walking it costs two array reads per
 * byte and allocates nothing, which is what the unigram lattice and the user-defined-symbol matcher need.
 */
@Internal
public final class DoubleArrayTrie {

    public static final int ROOT = 0;
    private static final int FREE = -1;

    private final int[] base;
    private final int[] check;
    private final int[] value;

    private DoubleArrayTrie(int[] base, int[] check, int[] value) {
        this.base = base;
        this.check = check;
        this.value = value;
    }

    /** The child of {@code node} over byte {@code b}, or -1. */
    public int child(int node, byte b) {
        int t = base[node] + (b & 0xFF) + 1;
        return t < check.length && check[t] == node ? t : -1;
    }

    /** The value of the key that ends at {@code node}, or -1. */
    public int value(int node) {
        return value[node];
    }

    /** The value of exactly {@code key[from, to)}, or -1. */
    public int get(byte[] key, int from, int to) {
        int node = ROOT;
        for (int i = from; i < to && node >= 0; i++) {
            node = child(node, key[i]);
        }
        return node < 0 ? -1 : value[node];
    }

    /** The length of the longest key that is a prefix of {@code text[from, to)}, or 0. */
    public int longestPrefix(byte[] text, int from, int to) {
        int node = ROOT;
        int longest = 0;
        for (int i = from; i < to; i++) {
            node = child(node, text[i]);
            if (node < 0) {
                break;
            }
            if (value[node] >= 0) {
                longest = i + 1 - from;
            }
        }
        return longest;
    }

    /** Builds a trie of distinct non-empty {@code keys} with non-negative {@code values}. */
    public static DoubleArrayTrie build(byte[][] keys, int[] values) {
        Integer[] order = new Integer[keys.length];
        for (int i = 0; i < order.length; i++) {
            if (keys[i].length == 0) {
                throw new IllegalArgumentException("empty key");
            }
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing((Integer i) -> keys[i], Arrays::compareUnsigned));
        byte[][] sortedKeys = new byte[keys.length][];
        int[] sortedValues = new int[keys.length];
        for (int i = 0; i < order.length; i++) {
            sortedKeys[i] = keys[order[i]];
            sortedValues[i] = values[order[i]];
            if (i > 0 && Arrays.equals(sortedKeys[i], sortedKeys[i - 1])) {
                throw new IllegalArgumentException("duplicate key " + Arrays.toString(sortedKeys[i]));
            }
        }
        Builder b = new Builder();
        b.place(ROOT, sortedKeys, sortedValues, 0, keys.length, 0);
        int size = b.size;
        return new DoubleArrayTrie(Arrays.copyOf(b.base, size), Arrays.copyOf(b.check, size), Arrays.copyOf(b.value, size));
    }

    private static final class Builder {
        int[] base = new int[1024];
        int[] check = new int[1024];
        int[] value = new int[1024];
        final BitSet used = new BitSet();
        int size = 1;
        int firstFree = 1;

        Builder() {
            Arrays.fill(check, FREE);
            Arrays.fill(value, -1);
            check[ROOT] = -2;
            used.set(ROOT);
        }

        void grow(int needed) {
            if (needed <= base.length) {
                return;
            }
            int old = base.length;
            int c = Math.max(needed, old * 2);
            base = Arrays.copyOf(base, c);
            check = Arrays.copyOf(check, c);
            value = Arrays.copyOf(value, c);
            Arrays.fill(check, old, c, FREE);
            Arrays.fill(value, old, c, -1);
        }

        /** Keys [lo, hi) share their first {@code depth} bytes, the path to {@code node}. */
        void place(int node, byte[][] keys, int[] values, int lo, int hi, int depth) {
            if (keys[lo].length == depth) {
                value[node] = values[lo];
                lo++;
            }
            if (lo == hi) {
                return;
            }
            int[] labels = new int[256];
            int[] groupStart = new int[257];
            int n = 0;
            for (int i = lo; i < hi; i++) {
                int label = keys[i][depth] & 0xFF;
                if (n == 0 || labels[n - 1] != label) {
                    labels[n] = label;
                    groupStart[n++] = i;
                }
            }
            groupStart[n] = hi;
            // First fit, jumping from free slot to free slot for the first label.
            int b;
            firstFree = used.nextClearBit(firstFree);
            for (int slot = used.nextClearBit(Math.max(labels[0] + 2, firstFree)); ; slot = used.nextClearBit(slot + 1)) {
                b = slot - labels[0] - 1;
                boolean fits = true;
                for (int k = 1; k < n && fits; k++) {
                    fits = !used.get(b + labels[k] + 1);
                }
                if (fits) {
                    break;
                }
            }
            grow(b + labels[n - 1] + 2);
            base[node] = b;
            for (int k = 0; k < n; k++) {
                int slot = b + labels[k] + 1;
                check[slot] = node;
                used.set(slot);
                size = Math.max(size, slot + 1);
            }
            for (int k = 0; k < n; k++) {
                place(b + labels[k] + 1, keys, values, groupStart[k], groupStart[k + 1], depth + 1);
            }
        }
    }
}
