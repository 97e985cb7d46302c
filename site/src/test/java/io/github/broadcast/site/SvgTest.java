package io.github.broadcast.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

final class SvgTest {

  @Test
  void oneBarPerValue_widthsFollowTheLogScale_missingValuesAreLabelled() throws Exception {
    String svg =
        Svg.groupedBars(
            "p99 <staleness>",
            "ms",
            true,
            List.of("row-a", "row-b"),
            List.of("x", "y"),
            new double[][] {{1, 10}, {100, Double.NaN}});

    Document doc =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    NodeList rects = doc.getElementsByTagName("rect");
    List<Double> widths = new ArrayList<>();
    for (int i = 0; i < rects.getLength(); i++) {
      Element rect = (Element) rects.item(i);
      if (rect.getAttribute("class").equals("bar")) {
        widths.add(Double.parseDouble(rect.getAttribute("width")));
      }
    }
    assertThat(widths).hasSize(3);
    // 1, 10, 100 on a log axis from 1 to 100: 0, half, all of the plot width (at least 1 px).
    assertThat(widths.get(0)).isEqualTo(1.0);
    assertThat(widths.get(1)).isCloseTo(widths.get(2) / 2, Offset.offset(1.0));
    assertThat(svg).contains("y: no result", "p99 &lt;staleness&gt;", "(log scale)");
  }

  @Test
  void linearScale_barsProportional() throws Exception {
    String svg =
        Svg.groupedBars(
            "t", "ops/s", false, List.of("a"), List.of("x", "y"), new double[][] {{50, 100}});

    assertThat(svg).doesNotContain("log scale");
    assertThat(svg).contains("width=\"280.0\"", "width=\"560.0\""); // 560 px plot, axis to 100.
  }

  @Test
  void noUsableData_isAnErrorNamingTheChart() {
    assertThatThrownBy(
            () ->
                Svg.groupedBars(
                    "empty chart",
                    "ms",
                    true,
                    List.of("a"),
                    List.of("x"),
                    new double[][] {{Double.NaN}}))
        .hasMessageContaining("empty chart");
  }

  @Test
  void ticks_haveNoNeedlessDigits() {
    assertThat(
            List.of(
                Svg.tick(1),
                Svg.tick(10),
                Svg.tick(0.5),
                Svg.tick(0.01),
                Svg.tick(200),
                Svg.tick(20_000),
                Svg.tick(5_000_000)))
        .containsExactly("1", "10", "0.5", "0.01", "200", "20k", "5.0M");
  }

  @Test
  void numbers_readableAtEveryMagnitude() {
    assertThat(
            List.of(
                Svg.number(24_214_253),
                Svg.number(54_758),
                Svg.number(207.6),
                Svg.number(12.34),
                Svg.number(5.436),
                Svg.number(0.0042)))
        .containsExactly("24.2M", "55k", "208", "12.3", "5.44", "0.0042");
  }
}
