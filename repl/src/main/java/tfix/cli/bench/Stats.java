package tfix.cli.bench;

import java.util.Arrays;
import java.util.List;

/** Medians (and ranges) of repeated measurements. */
final class Stats {
    private Stats() {
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String ms(List<Double> values) {
        if (values.isEmpty()) {
            return "n/a";
        }
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return String.format("%.2f ms (%.2f-%.2f)", median(values), min, max);
    }
}
