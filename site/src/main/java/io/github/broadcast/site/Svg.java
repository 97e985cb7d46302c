package io.github.broadcast.site;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Grouped horizontal bar charts as self-contained SVG: one group per category, one bar per series,
 * the value printed at the end of each bar, a linear or logarithmic axis. Written from the data at
 * build time; nothing is drawn by hand.
 */
final class Svg {

  static final String[] COLORS = {
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"
  };

  private static final int WIDTH = 820;
  private static final int LEFT = 190;
  private static final int RIGHT = 70;
  private static final int TOP = 56;
  private static final int BAR = 11;
  private static final int GAP = 14;

  private Svg() {}

  /**
   * A chart of {@code values[category][series]}; {@code NaN} leaves a bar out (a failed or missing
   * run), and is labelled so.
   */
  static String groupedBars(
      String title,
      String unit,
      boolean log,
      List<String> categories,
      List<String> series,
      double[][] values) {
    if (categories.isEmpty() || series.isEmpty()) {
      throw new IllegalArgumentException(title + ": no data to plot");
    }
    double max = 0;
    double min = Double.MAX_VALUE;
    for (double[] row : values) {
      for (double v : row) {
        if (!Double.isNaN(v) && v > 0) {
          max = Math.max(max, v);
          min = Math.min(min, v);
        }
      }
    }
    if (max == 0) {
      throw new IllegalArgumentException(title + ": every value is zero or missing");
    }
    Axis axis = log ? Axis.log(min, max) : Axis.linear(max);
    int plotWidth = WIDTH - LEFT - RIGHT;
    int groupHeight = series.size() * BAR + GAP;
    int height = TOP + categories.size() * groupHeight + 40;

    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d"
                + " %d\" font-family=\"system-ui, sans-serif\" font-size=\"11\" role=\"img\">%n",
            WIDTH,
            height,
            WIDTH,
            height));
    svg.append("<title>").append(escape(title)).append("</title>\n");
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"600\">%s</text>%n",
            LEFT,
            escape(title)));
    // Legend.
    int x = LEFT;
    for (int s = 0; s < series.size(); s++) {
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"28\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                  + "<text x=\"%d\" y=\"37\">%s</text>%n",
              x,
              COLORS[s % COLORS.length],
              x + 14,
              escape(series.get(s))));
      x += 24 + 7 * series.get(s).length();
    }
    // Grid and axis labels.
    int bottom = TOP + categories.size() * groupHeight;
    for (double tick : axis.ticks()) {
      double px = LEFT + axis.position(tick) * plotWidth;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#dddddd\"/>"
                  + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555555\">%s</text>%n",
              px,
              TOP - 6,
              px,
              bottom,
              px,
              bottom + 14,
              tick(tick)));
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555555\">%s%s</text>%n",
            LEFT + plotWidth / 2,
            bottom + 32,
            escape(unit),
            log ? " (log scale)" : ""));
    // Bars.
    for (int c = 0; c < categories.size(); c++) {
      int groupTop = TOP + c * groupHeight;
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\""
                  + " dominant-baseline=\"middle\">%s</text>%n",
              LEFT - 8,
              groupTop + series.size() * BAR / 2,
              escape(categories.get(c))));
      for (int s = 0; s < series.size(); s++) {
        double v = values[c][s];
        int y = groupTop + s * BAR;
        if (Double.isNaN(v)) {
          svg.append(
              String.format(
                  Locale.ROOT,
                  "<text x=\"%d\" y=\"%d\" fill=\"#999999\">%s: no result</text>%n",
                  LEFT + 4,
                  y + BAR - 2,
                  escape(series.get(s))));
          continue;
        }
        double w = Math.max(1, axis.position(v) * plotWidth);
        svg.append(
            String.format(
                Locale.ROOT,
                "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                    + "<title>%s, %s: %s %s</title></rect>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"9\">%s</text>%n",
                LEFT,
                y,
                w,
                BAR - 2,
                COLORS[s % COLORS.length],
                escape(categories.get(c)),
                escape(series.get(s)),
                number(v),
                escape(unit),
                LEFT + w + 3,
                y + BAR - 2,
                number(v)));
      }
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  /** Maps values to [0, 1] of the plot width. */
  private record Axis(boolean log, double low, double high) {

    static Axis linear(double max) {
      double step = niceStep(max / 5);
      return new Axis(false, 0, Math.ceil(max / step) * step);
    }

    static Axis log(double min, double max) {
      double low = Math.pow(10, Math.floor(Math.log10(min)));
      double high = Math.pow(10, Math.ceil(Math.log10(max)));
      if (high <= low) {
        high = low * 10;
      }
      return new Axis(true, low, high);
    }

    double position(double v) {
      if (log) {
        double clamped = Math.max(v, low);
        return (Math.log10(clamped) - Math.log10(low)) / (Math.log10(high) - Math.log10(low));
      }
      return v / high;
    }

    List<Double> ticks() {
      List<Double> ticks = new ArrayList<>();
      if (log) {
        for (double t = low; t <= high * 1.0001; t *= 10) {
          ticks.add(t);
        }
      } else {
        double step = niceStep(high / 5);
        for (double t = 0; t <= high * 1.0001; t += step) {
          ticks.add(t);
        }
      }
      return ticks;
    }

    private static double niceStep(double raw) {
      double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
      double r = raw / magnitude;
      double nice = r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10;
      return nice * magnitude;
    }
  }

  /** An axis tick (1, 2 or 5 times a power of ten) with no needless digits: 1, 10, 0.5, 20k. */
  static String tick(double v) {
    if (v >= 1e4) {
      return number(v);
    }
    return new BigDecimal(String.format(Locale.ROOT, "%.6g", v))
        .stripTrailingZeros()
        .toPlainString();
  }

  /** 1,234,567 / 12.3 / 0.042: readable at every magnitude. */
  static String number(double v) {
    if (v >= 1e9) {
      return String.format(Locale.ROOT, "%.1fG", v / 1e9);
    }
    if (v >= 1e6) {
      return String.format(Locale.ROOT, "%.1fM", v / 1e6);
    }
    if (v >= 1e4) {
      return String.format(Locale.ROOT, "%.0fk", v / 1e3);
    }
    if (v >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (v >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (v >= 0.01 || v == 0) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.2g", v);
  }

  static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
