package io.github.broadcast.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class SiteBuilderTest {

  @TempDir Path root;
  private Path pages;
  private Path data;
  private Path out;

  @BeforeEach
  void aTwoPageSiteWithData() throws Exception {
    pages = Files.createDirectories(root.resolve("pages"));
    data = root.resolve("data");
    out = root.resolve("out");
    Files.createDirectories(data.resolve("load-test"));
    Files.createDirectories(data.resolve("jmh"));
    Files.writeString(pages.resolve("nav.txt"), "index.md | Home\nguide.md | Guide\n");
    Files.writeString(pages.resolve("style.css"), "body {}");
    // The site module's javadoc execution writes the API reference before the pages are built.
    Files.createDirectories(out.resolve("apidocs"));
    Files.writeString(out.resolve(SiteBuilder.API_REFERENCE), "<html><body>API</body></html>");
    Files.writeString(pages.resolve("guide.md"), "# Guide\n\n## Set up\n\nText.\n");
    Files.writeString(
        data.resolve("load-test/report.json"),
        """
        {"runs": [
          {"scenario": "orig-5x2x1", "strategy": "sequential", "slow": 0,
           "staleness_ms": {"p99": 7.5}, "frames_per_s_per_client": 10},
          {"scenario": "orig-5x2x1", "strategy": "production", "slow": 0,
           "staleness_ms": {"p99": 208}, "frames_per_s_per_client": 5},
          {"scenario": "slow-20x5x5+1", "strategy": "sequential", "error": "server died"},
          {"scenario": "slow-20x5x5+1", "strategy": "production", "slow": 1,
           "staleness_ms": {"p99": 209}, "frames_per_s_per_client": 5}
        ]}
        """);
    Files.writeString(
        data.resolve("load-test/report.md"),
        "# Load test report\n\nMeasured.\n\n## orig-5x2x1\n\n| a |\n|---|\n| 1 |\n");
    Files.writeString(
        data.resolve("jmh/jmh.json"),
        """
        [{"benchmark": "x.PublishBenchmark.publish",
          "params": {"clients": "1", "payload": "SMALL", "preset": "BATCHED", "stalled": "0"},
          "primaryMetric": {"score": 24214253.5, "scoreUnit": "ops/s"}},
         {"benchmark": "x.PublishBenchmark.publish",
          "params": {"clients": "1", "payload": "SMALL", "preset": "SEQUENTIAL", "stalled": "0"},
          "primaryMetric": {"score": 54758.2, "scoreUnit": "ops/s"}}]
        """);
    Files.createDirectories(data.resolve("redis"));
    Files.writeString(
        data.resolve("redis/jmh-threads8.json"),
        """
        [{"benchmark": "x.RedisStoreBenchmark.apply",
          "params": {"nodes": "3", "payload": "SMALL"},
          "primaryMetric": {"score": 8919.79, "scoreUnit": "ops/s"}}]
        """);
  }

  @Test
  void pagesRender_withNavigation_dataTables_plots_andMarkdownLinksTurnedToHtml() throws Exception {
    Files.writeString(
        pages.resolve("index.md"),
        """
        # Home

        See the [guide](guide.md#set-up).

        {{load-table p99}}

        {{plot load-p99}}

        {{plot jmh-publish}}

        {{jmh-table PublishBenchmark.publish payload=SMALL stalled=0}}

        {{jmh-table RedisStoreBenchmark.apply data=redis/jmh-threads8.json}}

        {{include load-test/report.md}}

        ```
        {{not a directive inside code}}
        ```
        """);

    assertThat(new SiteBuilder(pages, data, out).build()).isEmpty();

    String index = Files.readString(out.resolve("index.html"));
    assertThat(index)
        .contains("<a href=\"guide.html#set-up\">guide</a>")
        .contains("<a href=\"index.html\" class=\"current\" aria-current=\"page\">Home</a>")
        .contains("<a href=\"apidocs/index.html\">API reference</a>")
        .contains(
            "<td>orig-5x2x1</td>",
            "<td align=\"right\">7.50</td>",
            "<td align=\"right\">208</td>",
            "<td align=\"right\">failed</td>")
        .contains("<img src=\"plots/load-p99.svg\"", "<img src=\"plots/jmh-publish.svg\"")
        .contains(
            "<td align=\"right\">24,214,254</td>", "<td align=\"right\">54,758</td>", "Unit: ops/s")
        .contains("<th align=\"right\">nodes</th>", "<td align=\"right\">8,920</td>")
        .contains("<h3 id=\"orig-5x2x1\">orig-5x2x1</h3>") // Included, one level down.
        .doesNotContain("Load test report")
        .contains("{{not a directive inside code}}");
    assertThat(Files.readString(out.resolve("plots/load-p99.svg")))
        .contains("slow-20x5x5+1", "sequential: no result");
    assertThat(out.resolve("guide.html")).exists();
    assertThat(out.resolve("style.css")).exists();
  }

  @Test
  void brokenLinks_areReturned_andMainFailsNamingThem() throws Exception {
    Files.writeString(
        pages.resolve("index.md"),
        "# Home\n\n[a](guide.md#no-such-heading) and [b](missing.md).\n");

    assertThat(new SiteBuilder(pages, data, out).build())
        .containsExactly(
            "index.html: guide.html#no-such-heading (no id \"no-such-heading\" in guide.html)",
            "index.html: missing.html (no such file)");
    assertThatThrownBy(
            () ->
                SiteBuilder.main(new String[] {pages.toString(), data.toString(), out.toString()}))
        .hasMessageContaining("broken links")
        .hasMessageContaining("missing.html");
  }

  @Test
  void unknownDirective_orMissingData_failsNamingThePageAndWhatIsMissing() throws Exception {
    Files.writeString(pages.resolve("index.md"), "# Home\n\n{{chart everything}}\n");
    assertThatThrownBy(() -> new SiteBuilder(pages, data, out).build())
        .hasMessageContaining("index.md")
        .hasMessageContaining("chart everything");

    Files.writeString(pages.resolve("index.md"), "# Home\n\n{{plot load-p99}}\n");
    Files.delete(data.resolve("load-test/report.json"));
    assertThatThrownBy(() -> new SiteBuilder(pages, data, out).build())
        .hasMessageContaining("report.json")
        .hasMessageContaining("run the load test");
  }

  @Test
  void snippets_comeFromTheMarkedLinesOfSourceFiles_andAMissingMarkerFails() throws Exception {
    Files.createDirectories(root.resolve("src"));
    Files.writeString(
        root.resolve("src/Example.java"),
        """
        class Example {
          void run() {
            setUp();
            // snippet:usage
            Broadcaster b = build();
            b.publish(update);
            // snippet:end
          }
        }
        """);
    Files.writeString(
        root.resolve("src/pom.xml"),
        "<deps>\n  <!-- snippet:dep -->\n  <dependency/>\n  <!-- snippet:end -->\n</deps>\n");
    Files.writeString(
        pages.resolve("index.md"),
        "# Home\n\n{{snippet src/Example.java usage}}\n\n{{snippet src/pom.xml dep}}\n");

    assertThat(new SiteBuilder(pages, data, out, root).build()).isEmpty();
    assertThat(Files.readString(out.resolve("index.html")))
        .contains(
            "<pre><code class=\"language-java\">Broadcaster b = build();\nb.publish(update);\n"
                + "</code></pre>")
        .contains("<code class=\"language-xml\">&lt;dependency/&gt;\n</code>")
        .contains("From <code>src/Example.java</code>")
        .doesNotContain("setUp()")
        .doesNotContain("snippet:");

    Files.writeString(pages.resolve("index.md"), "# Home\n\n{{snippet src/Example.java gone}}\n");
    assertThatThrownBy(() -> new SiteBuilder(pages, data, out, root).build())
        .hasMessageContaining("index.md")
        .hasMessageContaining("snippet:gone");
    Files.writeString(pages.resolve("index.md"), "# Home\n\n{{snippet ../../etc/passwd x}}\n");
    assertThatThrownBy(() -> new SiteBuilder(pages, data, out, root).build())
        .hasMessageContaining("no file");
  }

  @Test
  void withoutTheApiReference_everyPagesNavigationLinkIsReportedBroken() throws Exception {
    Files.writeString(pages.resolve("index.md"), "# Home\n");
    Files.delete(out.resolve(SiteBuilder.API_REFERENCE));
    assertThat(new SiteBuilder(pages, data, out).build())
        .contains(
            "index.html: apidocs/index.html (no such file)",
            "guide.html: apidocs/index.html (no such file)");
  }

  @Test
  void navThatDoesNotStartAtIndex_orNamesAMissingPage_isRefused() throws Exception {
    Files.writeString(pages.resolve("index.md"), "# Home\n");
    Files.writeString(pages.resolve("nav.txt"), "guide.md | Guide\nindex.md | Home\n");
    assertThatThrownBy(() -> new SiteBuilder(pages, data, out).build())
        .hasMessageContaining("first page must be index.md");

    Files.writeString(pages.resolve("nav.txt"), "index.md | Home\nnope.md | Nope\n");
    assertThatThrownBy(() -> new SiteBuilder(pages, data, out).build())
        .hasMessageContaining("nope.md");
  }
}
