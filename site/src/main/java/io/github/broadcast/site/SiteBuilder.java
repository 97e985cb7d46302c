package io.github.broadcast.site;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.ext.heading.anchor.HeadingAnchorExtension;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.AttributeProvider;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * Builds the documentation site: every page listed in {@code nav.txt} is Markdown with {@code
 * {{...}}} lines that {@link Fragments} fills from the measured data; the result is static HTML
 * with one stylesheet, and every internal link is checked ({@link LinkChecker}).
 *
 * <pre>
 * mvn -B package -pl site -am -DskipTests     # then open site/target/site/index.html
 * </pre>
 */
public final class SiteBuilder {

  private static final Pattern DIRECTIVE = Pattern.compile("^\\{\\{(.+)}}\\s*$");
  // A directive as committed: its expansion follows, up to the end marker, so that the Markdown
  // reads whole where people read it (GitHub), and the site build writes it afresh.
  private static final Pattern BLOCK_START = Pattern.compile("^<!-- \\{\\{(.+)}} -->\\s*$");
  private static final String BLOCK_END = "<!-- {{/}} -->";

  /** A page: its Markdown file and its title in the navigation. */
  record Page(String file, String title) {
    String html() {
      return file.replaceFirst("\\.md$", ".html");
    }
  }

  /** Where the API reference's front page is, relative to the site's root. */
  static final String API_REFERENCE = "apidocs/index.html";

  private final Path pages;
  private final Path out;
  private final Fragments fragments;
  private final Parser parser;
  private final HtmlRenderer renderer;

  /** A builder for this repository's layout: snippets come from {@code data}'s grandparent. */
  SiteBuilder(Path pages, Path data, Path out) {
    this(pages, data, out, data.toAbsolutePath().normalize().getParent().getParent());
  }

  SiteBuilder(Path pages, Path data, Path out, Path sources) {
    this.pages = pages;
    this.out = out;
    this.fragments = new Fragments(data, out, sources);
    List<Extension> extensions = List.of(TablesExtension.create(), HeadingAnchorExtension.create());
    this.parser = Parser.builder().extensions(extensions).build();
    this.renderer =
        HtmlRenderer.builder()
            .extensions(extensions)
            .attributeProviderFactory(context -> MARKDOWN_LINKS_TO_HTML)
            .build();
  }

  // A link from a page to a published type's source ({@code ../../../broadcast-core/src/main/java/
  // io/github/broadcast/Broadcaster.java}): what GitHub shows; the site links its API reference.
  private static final Pattern SOURCE_LINK =
      Pattern.compile(
          "^(?:\\.\\./)+[a-z-]+(?:/[a-z-]+)?/src/main/java/(.+?)(package-info)?\\.java$");

  /**
   * Links are written to the Markdown files as GitHub reads them: to other pages' {@code .md}, and
   * to a type's {@code .java} source; the site links the HTML page and the API reference instead.
   */
  private static final AttributeProvider MARKDOWN_LINKS_TO_HTML =
      (Node node, String tag, Map<String, String> attributes) -> {
        if (node instanceof Link) {
          String href = attributes.get("href");
          if (href != null && !href.contains(":")) {
            attributes.put("href", siteLink(href));
          }
        }
      };

  /** Where a link written for GitHub points in the site. */
  static String siteLink(String href) {
    Matcher source = SOURCE_LINK.matcher(href);
    if (source.matches()) {
      return "apidocs/"
          + source.group(1)
          + (source.group(2) != null ? "package-summary" : "")
          + ".html";
    }
    return href.replaceFirst("\\.md(#|$)", ".html$1");
  }

  /**
   * Builds the site from {@code PAGES_DIR} and {@code DATA_DIR} into {@code OUT_DIR}, with the
   * dashboard screenshot from {@code SCREENSHOT_DIR} when given; fails on a broken link.
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 3 && args.length != 4) {
      throw new IllegalArgumentException(
          "usage: SiteBuilder PAGES_DIR DATA_DIR OUT_DIR [SCREENSHOT_DIR]");
    }
    Path out = Path.of(args[2]);
    List<String> broken = new SiteBuilder(Path.of(args[0]), Path.of(args[1]), out).build();
    if (args.length == 4) {
      freshScreenshot(Path.of(args[3]), out);
    }
    if (!broken.isEmpty()) {
      throw new IllegalStateException(
          "broken links in the site:\n  " + String.join("\n  ", broken));
    }
    System.out.println("site: " + out.resolve("index.html").toAbsolutePath());
  }

  /** Builds the site; returns the broken internal links (empty when there are none). */
  List<String> build() throws IOException {
    List<Page> nav = nav();
    Files.createDirectories(out);
    for (Page page : nav) {
      String markdown =
          expand(Files.readString(pages.resolve(page.file()), StandardCharsets.UTF_8), page.file());
      String body = renderer.render(parser.parse(markdown));
      Files.writeString(out.resolve(page.html()), layout(nav, page, body), StandardCharsets.UTF_8);
    }
    Files.copy(
        pages.resolve("style.css"), out.resolve("style.css"), StandardCopyOption.REPLACE_EXISTING);
    Path images = pages.resolve("img");
    if (Files.isDirectory(images)) {
      Files.createDirectories(out.resolve("img"));
      try (DirectoryStream<Path> files = Files.newDirectoryStream(images)) {
        for (Path image : files) {
          Files.copy(
              image,
              out.resolve("img").resolve(image.getFileName().toString()),
              StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return LinkChecker.check(out);
  }

  /**
   * Puts the dashboard screenshot the browser test took in this build ({@code simulated.png} in
   * {@code dir}) in place of the committed one, when there is one: a site built alone keeps the
   * committed picture.
   */
  static void freshScreenshot(Path dir, Path out) throws IOException {
    Path fresh = dir.resolve("simulated.png");
    if (Files.isRegularFile(fresh)) {
      Files.createDirectories(out.resolve("img"));
      Files.copy(fresh, out.resolve("img/dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
      System.out.println("site: dashboard screenshot from " + fresh);
    }
  }

  List<Page> nav() throws IOException {
    List<Page> nav = new ArrayList<>();
    for (String line : Files.readAllLines(pages.resolve("nav.txt"), StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\|", 2);
      if (parts.length != 2 || !parts[0].strip().endsWith(".md")) {
        throw new IllegalArgumentException("nav.txt: " + line + " (expected: file.md | Title)");
      }
      String file = parts[0].strip();
      if (!Files.isRegularFile(pages.resolve(file))) {
        throw new IllegalArgumentException("nav.txt: " + file + " (no such page in " + pages + ")");
      }
      nav.add(new Page(file, parts[1].strip()));
    }
    if (nav.isEmpty() || !nav.get(0).file().equals("index.md")) {
      throw new IllegalArgumentException("nav.txt: the first page must be index.md");
    }
    return nav;
  }

  private String expand(String markdown, String page) throws IOException {
    return fill(markdown, page, false);
  }

  /**
   * The page as it should be committed: each directive as a block, its start marker, its expansion
   * from today's sources and data, its end marker; a bare {@code {{...}}} line becomes such a
   * block. The site build writes the same expansions (see {@link CommittedPagesTest}).
   */
  String committed(String markdown, String page) throws IOException {
    return fill(markdown, page, true);
  }

  /**
   * Replaces each directive (a bare {@code {{...}}} line, or a block from its start marker to its
   * end marker) with its expansion, kept inside markers when {@code markers} is set.
   */
  private String fill(String markdown, String page, boolean markers) throws IOException {
    StringBuilder out = new StringBuilder();
    boolean fenced = false;
    boolean skipping = false;
    String[] lines = markdown.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (skipping) {
        skipping = !line.strip().equals(BLOCK_END);
        continue;
      }
      Matcher block = BLOCK_START.matcher(line);
      Matcher bare = DIRECTIVE.matcher(line);
      String directive =
          fenced ? null : block.matches() ? block.group(1) : bare.matches() ? bare.group(1) : null;
      if (directive == null) {
        if (line.startsWith("```")) {
          fenced = !fenced;
        }
        out.append(line);
        if (i < lines.length - 1) {
          out.append('\n');
        }
        continue;
      }
      skipping = block.matches();
      String expansion = fragments.expand(directive, page).strip();
      if (markers) {
        out.append("<!-- {{").append(directive).append("}} -->\n");
        out.append(expansion).append('\n').append(BLOCK_END).append('\n');
      } else {
        out.append('\n').append(expansion).append("\n\n");
      }
    }
    if (skipping) {
      throw new IllegalArgumentException(page + ": a {{...}} block without its end " + BLOCK_END);
    }
    return out.toString();
  }

  private static String layout(List<Page> nav, Page page, String body) {
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>")
        .append(Svg.escape(page.title()))
        .append(" · broadcast</title>\n")
        .append("<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n")
        .append("<header><a class=\"brand\" href=\"index.html\">broadcast</a>\n<nav>\n");
    for (Page p : nav) {
      html.append("<a href=\"")
          .append(p.html())
          .append('"')
          .append(p.equals(page) ? " class=\"current\" aria-current=\"page\"" : "")
          .append('>')
          .append(Svg.escape(p.title()))
          .append("</a>\n");
    }
    // The API reference: javadoc of the published modules, which the site module's javadoc
    // execution writes to apidocs/ before this runs; the link checker fails the build without it.
    html.append("<a href=\"").append(API_REFERENCE).append("\">API reference</a>\n");
    html.append("</nav></header>\n<main>\n")
        .append(body)
        .append("</main>\n")
        .append("<footer>Generated from <code>site/src/pages/")
        .append(page.file())
        .append(
            "</code> and the data in <code>site/data/</code> by "
                + "<code>mvn -B package -pl site -am -DskipTests</code>.</footer>\n")
        .append("</body>\n</html>\n");
    return html.toString();
  }
}
