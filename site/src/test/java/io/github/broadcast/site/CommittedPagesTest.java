package io.github.broadcast.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pages as committed read whole on GitHub: every {@code {{...}}} directive is followed by its
 * expansion (the snippet's code, the table, the plot, whose SVG is committed beside the pages), and
 * that expansion is the one the site build writes from today's sources and data. A snippet whose
 * source changed, or data measured again, fails here until the pages are refreshed:
 *
 * <pre>
 * mvn -B -pl site -am test -Dtest=CommittedPagesTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsite.refresh=true
 * </pre>
 */
final class CommittedPagesTest {

  private static final Path PAGES = Path.of("src/pages");
  private static final Path DATA = Path.of("data");
  private static final String REFRESH =
      "mvn -B -pl site -am test -Dtest=CommittedPagesTest -Dsurefire.failIfNoSpecifiedTests=false"
          + " -Dsite.refresh=true";

  @TempDir Path out;

  @Test
  void everyPage_asCommitted_showsWhatTheSiteBuildWrites() throws IOException {
    boolean refresh = Boolean.getBoolean("site.refresh");
    SiteBuilder builder = new SiteBuilder(PAGES, DATA, refresh ? PAGES : out);
    List<String> drifted = new ArrayList<>();
    for (SiteBuilder.Page page : builder.nav()) {
      Path file = PAGES.resolve(page.file());
      String committed = Files.readString(file, StandardCharsets.UTF_8);
      String fresh = builder.committed(committed, page.file());
      if (!fresh.equals(committed)) {
        if (refresh) {
          Files.writeString(file, fresh, StandardCharsets.UTF_8);
        } else {
          drifted.add(page.file());
        }
      }
    }
    if (!refresh) {
      drifted.addAll(driftedPlots());
    }
    assertThat(drifted)
        .as("pages or plots that differ from what the site build writes; refresh with: " + REFRESH)
        .isEmpty();
  }

  /** The plots the pages name, as generated now, against those committed beside the pages. */
  private List<String> driftedPlots() throws IOException {
    List<String> drifted = new ArrayList<>();
    Path generated = out.resolve("plots");
    if (!Files.isDirectory(generated)) {
      return drifted;
    }
    try (Stream<Path> plots = Files.list(generated)) {
      for (Path plot : plots.toList()) {
        Path committed = PAGES.resolve("plots").resolve(plot.getFileName().toString());
        if (!Files.isRegularFile(committed)
            || !Files.readString(committed).equals(Files.readString(plot))) {
          drifted.add("plots/" + plot.getFileName());
        }
      }
    }
    return drifted;
  }

  @Test
  void noPage_showsABarePlaceholder() throws IOException {
    SiteBuilder builder = new SiteBuilder(PAGES, DATA, out);
    for (SiteBuilder.Page page : builder.nav()) {
      boolean fenced = false;
      for (String line : Files.readAllLines(PAGES.resolve(page.file()))) {
        if (line.startsWith("```")) {
          fenced = !fenced;
        }
        assertThat(!fenced && line.matches("^\\{\\{.+}}\\s*$"))
            .as(page.file() + ": " + line + " (a bare directive: GitHub shows it as is)")
            .isFalse();
      }
    }
  }

  @Test
  void linksToSources_becomeTheApiReference_inTheSite() {
    assertThat(
            SiteBuilder.siteLink(
                "../../../broadcast-core/src/main/java/io/github/broadcast/Broadcaster.java"))
        .isEqualTo("apidocs/io/github/broadcast/Broadcaster.html");
    assertThat(
            SiteBuilder.siteLink(
                "../../../broadcast-jakarta/src/main/java/io/github/broadcast/jakarta/"
                    + "package-info.java"))
        .isEqualTo("apidocs/io/github/broadcast/jakarta/package-summary.html");
    assertThat(SiteBuilder.siteLink("operations.md#health-and-readiness"))
        .isEqualTo("operations.html#health-and-readiness");
  }
}
