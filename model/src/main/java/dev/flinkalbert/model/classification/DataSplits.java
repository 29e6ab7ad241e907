package dev.flinkalbert.model.classification;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Seeded random splits: the same list, fraction and seed always give the same two parts. */
public final class DataSplits {

    private DataSplits() {}

    /** The two parts of a split; {@code held} has round(size × fraction) items. */
    public record Split<T>(List<T> rest, List<T> held) {}

    public static <T> Split<T> split(List<T> items, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("split fraction must be within (0, 1), got " + fraction);
        }
        List<T> shuffled = new ArrayList<>(items);
        Collections.shuffle(shuffled, new Random(seed));
        int held = (int) Math.round(items.size() * fraction);
        return new Split<>(List.copyOf(shuffled.subList(held, shuffled.size())), List.copyOf(shuffled.subList(0, held)));
    }
}
