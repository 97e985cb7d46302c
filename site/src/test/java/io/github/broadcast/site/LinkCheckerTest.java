package io.github.broadcast.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class LinkCheckerTest {

  @TempDir Path site;

  @Test
  void linksToPagesAnchorsAndImagesThatExist_pass_externalOnesAreNotFetched() throws Exception {
    Files.createDirectories(site.resolve("plots"));
    Files.writeString(site.resolve("plots/a.svg"), "<svg/>");
    Files.writeString(
        site.resolve("index.html"),
        "<a href=\"guide.html#setup\">x</a>"
            + "<a href=\"#top\">top</a><h1 id=\"top\">t</h1><img src=\"plots/a.svg\">"
            + "<a href=\"https://example.com/nowhere\">ext</a><a href=\"mailto:a@b.c\">m</a>");
    Files.writeString(site.resolve("guide.html"), "<h2 id=\"setup\">Setup</h2>");

    assertThat(LinkChecker.check(site)).isEmpty();
  }

  @Test
  void missingPage_missingAnchor_missingImage_andEscapes_areEachReportedWithTheirPage()
      throws Exception {
    Files.writeString(
        site.resolve("index.html"),
        "<a href=\"gone.html\">a</a>"
            + "<a href=\"guide.html#nope\">b</a><img src=\"plots/missing.svg\">"
            + "<a href=\"../outside.html\">c</a><a href=\"#self\">d</a><a href=\"\">e</a>");
    Files.writeString(site.resolve("guide.html"), "<h2 id=\"setup\">Setup</h2>");

    assertThat(LinkChecker.check(site))
        .containsExactly(
            "index.html: gone.html (no such file)",
            "index.html: guide.html#nope (no id \"nope\" in guide.html)",
            "index.html: plots/missing.svg (no such file)",
            "index.html: ../outside.html (outside the site)",
            "index.html: #self (no id \"self\" in index.html)",
            "index.html:  (empty link)");
  }

  @Test
  void javadocPages_haveTheirFilesChecked_butNotTheirOwnAnchors_whileLinksIntoThemAreChecked()
      throws Exception {
    Files.createDirectories(site.resolve("apidocs"));
    String javadoc = "<meta name=\"generator\" content=\"javadoc/ClassWriter\">";
    Files.writeString(
        site.resolve("apidocs/Frame.html"),
        javadoc
            + "<section id=\"&lt;init&gt;(int)\"></section>"
            + "<a href=\"#io.github\">javadoc's own dangling anchor</a>"
            + "<a href=\"Gone.html#x\">a missing page</a>");
    Files.writeString(
        site.resolve("index.html"),
        "<a href=\"apidocs/Frame.html#%3Cinit%3E(int)\">ok</a>"
            + "<a href=\"apidocs/Frame.html#nope\">bad</a>");

    assertThat(LinkChecker.check(site))
        .containsExactly(
            "apidocs/Frame.html: Gone.html#x (no such file)",
            "index.html: apidocs/Frame.html#nope (no id \"nope\" in apidocs/Frame.html)");
  }
}
