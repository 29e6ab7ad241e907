package dev.flinkalbert.model.classification;

import java.util.Arrays;
import java.util.List;

/**
 * Accuracy, macro-averaged F1 and the confusion matrix ({@code confusion[true][predicted]}) of predictions.
 * A class never predicted nor present counts F1 0 only when it occurs in either; absent classes are left out of
 * the macro average, as scikit-learn does with {@code labels} drawn from the data.
 */
public record ClassificationMetrics(List<String> labels, long[][] confusion, double accuracy, double macroF1,
        double[] f1) {

    public static ClassificationMetrics of(List<String> labels, int[] truth, int[] predicted) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException(truth.length + " labels but " + predicted.length + " predictions");
        }
        int n = labels.size();
        long[][] confusion = new long[n][n];
        long correct = 0;
        for (int i = 0; i < truth.length; i++) {
            confusion[truth[i]][predicted[i]]++;
            correct += truth[i] == predicted[i] ? 1 : 0;
        }
        double[] f1 = new double[n];
        double sum = 0;
        int present = 0;
        for (int c = 0; c < n; c++) {
            long tp = confusion[c][c];
            long actual = Arrays.stream(confusion[c]).sum();
            long predictedC = 0;
            for (long[] row : confusion) {
                predictedC += row[c];
            }
            if (actual + predictedC == 0) {
                f1[c] = Double.NaN;
                continue;
            }
            f1[c] = 2.0 * tp / (actual + predictedC);
            sum += f1[c];
            present++;
        }
        double accuracy = truth.length == 0 ? 0 : correct / (double) truth.length;
        return new ClassificationMetrics(List.copyOf(labels), confusion, accuracy, present == 0 ? 0 : sum / present, f1);
    }

    /** A plain-text table: rows are true labels, columns predictions. */
    public String confusionTable() {
        int width = Math.max(8, labels.stream().mapToInt(String::length).max().orElse(0) + 2);
        StringBuilder sb = new StringBuilder(String.format("%-" + width + "s", "true\\pred"));
        labels.forEach(l -> sb.append(String.format("%" + width + "s", l)));
        sb.append('\n');
        for (int t = 0; t < labels.size(); t++) {
            sb.append(String.format("%-" + width + "s", labels.get(t)));
            for (long v : confusion[t]) {
                sb.append(String.format("%" + width + "d", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
