package io.github.broadcast.site;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks every internal link of a built site: each {@code href} and {@code src} that is not an
 * absolute URL must name a file inside the site, and a {@code #fragment} must name an {@code id} on
 * the target page. External links are not fetched (the build must not need the network).
 *
 * <p>In pages javadoc generated (the API reference), every link's file is checked but not the
 * fragments of links that javadoc made between its own pages: javadoc 17 writes at least one anchor
 * it never defines ({@code constant-values.html#io.github}). Links from the site's pages into the
 * API are checked in full, fragment included.
 */
final class LinkChecker {

  private static final Pattern LINK = Pattern.compile("\\s(?:href|src)=\"([^\"]*)\"");
  private static final Pattern ID = Pattern.compile("\\sid=\"([^\"]+)\"");
  private static final Pattern JAVADOC =
      Pattern.compile("<meta name=\"generator\" content=\"javadoc/");

  private LinkChecker() {}

  /** Returns one line per broken link, naming the page and the link; empty when all resolve. */
  static List<String> check(Path site) throws IOException {
    Path root = site.toAbsolutePath().normalize();
    Map<Path, Set<String>> ids = new HashMap<>();
    List<String> problems = new ArrayList<>();
    List<Path> pages;
    try (Stream<Path> files = Files.walk(root)) {
      pages = files.filter(p -> p.toString().endsWith(".html")).sorted().toList();
    }
    for (Path page : pages) {
      String html = Files.readString(page, StandardCharsets.UTF_8);
      boolean javadoc = JAVADOC.matcher(html).find();
      Matcher m = LINK.matcher(html);
      while (m.find()) {
        String link = unescape(m.group(1));
        if (javadoc && link.startsWith("#")) {
          continue; // Within one javadoc page: javadoc's own anchor.
        }
        String problem = problem(root, page, javadoc ? withoutFragment(link) : link, ids);
        if (problem != null) {
          problems.add(root.relativize(page) + ": " + link + " (" + problem + ")");
        }
      }
    }
    return problems;
  }

  private static String problem(Path root, Path page, String link, Map<Path, Set<String>> ids) {
    if (link.isEmpty()) {
      return "empty link";
    }
    URI uri;
    try {
      uri = new URI(link);
    } catch (URISyntaxException e) {
      return "not a valid URI: " + e.getReason();
    }
    if (uri.getScheme() != null || link.startsWith("//")) {
      return null; // External: not checked.
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    Path target = path.isEmpty() ? page : page.getParent().resolve(path).normalize();
    if (!target.startsWith(root)) {
      return "outside the site";
    }
    if (Files.isDirectory(target)) {
      target = target.resolve("index.html");
    }
    if (!Files.isRegularFile(target)) {
      return "no such file";
    }
    String fragment = uri.getFragment();
    if (fragment != null && !fragment.isEmpty() && target.toString().endsWith(".html")) {
      Set<String> targetIds = ids.computeIfAbsent(target, LinkChecker::ids);
      if (!targetIds.contains(fragment)) {
        return "no id \"" + fragment + "\" in " + root.relativize(target);
      }
    }
    return null;
  }

  /** An attribute's value as the browser reads it: the HTML entities javadoc writes, decoded. */
  static String unescape(String value) {
    return value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
  }

  private static String withoutFragment(String link) {
    int hash = link.indexOf('#');
    return hash < 0 ? link : link.substring(0, hash);
  }

  private static Set<String> ids(Path page) {
    Set<String> ids = new HashSet<>();
    try {
      Matcher m = ID.matcher(Files.readString(page, StandardCharsets.UTF_8));
      while (m.find()) {
        ids.add(unescape(m.group(1)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ids;
  }
}
