package io.github.broadcast.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a user who depends on the library relies on, read from the build files themselves: the BOM
 * lists exactly the published modules, at the project's version, and every published module makes
 * its -sources and -javadoc jars.
 */
final class PublishingTest {

  private static final Path ROOT = Path.of("..");
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern ARTIFACT = Pattern.compile("<artifactId>([^<]+)</artifactId>");

  /** Modules that reach Maven Central: not an example, a test or the site (deploy not skipped). */
  private static List<String> published() throws Exception {
    List<String> published = new ArrayList<>();
    Matcher m = MODULE.matcher(Files.readString(ROOT.resolve("pom.xml")));
    while (m.find()) {
      String pom = Files.readString(ROOT.resolve(m.group(1)).resolve("pom.xml"));
      if (!pom.contains("<maven.deploy.skip>true</maven.deploy.skip>")
          && !pom.contains("<packaging>pom</packaging>")) {
        published.add(m.group(1));
      }
    }
    return published;
  }

  @Test
  void theBom_listsEveryPublishedModule_andNothingElse_atTheProjectVersion() throws Exception {
    String bom = Files.readString(ROOT.resolve("broadcast-bom/pom.xml"));
    String managed =
        bom.substring(
            bom.indexOf("<dependencyManagement>"), bom.indexOf("</dependencyManagement>"));
    List<String> listed = new ArrayList<>();
    Matcher m = ARTIFACT.matcher(managed);
    while (m.find()) {
      listed.add(m.group(1));
    }
    assertThat(published()).hasSizeGreaterThanOrEqualTo(6);
    assertThat(listed).containsExactlyInAnyOrderElementsOf(published());

    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String version = "<version>0.1.0-SNAPSHOT</version>";
    assertThat(parent).contains(version);
    assertThat(bom).contains(version);
    assertThat(bom).doesNotContain("<parent>");
  }

  @Test
  void everyPublishedModule_buildsSourcesAndJavadocJars_andNamesItsLicense() throws Exception {
    for (String module : published()) {
      String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
      assertThat(pom)
          .as(module)
          .contains("<artifactId>maven-source-plugin</artifactId>")
          .contains("<artifactId>maven-javadoc-plugin</artifactId>");
    }
    assertThat(Files.readString(ROOT.resolve("pom.xml")))
        .contains("<name>Apache-2.0</name>", "<scm>", "<developers>", "<issueManagement>")
        .contains("<project.build.outputTimestamp>");
    assertThat(Files.readString(ROOT.resolve("LICENSE"))).contains("Apache License");
  }

  @Test
  void everyPublishedModule_hasAStableModuleName() throws Exception {
    for (String module : published()) {
      Path dir = ROOT.resolve(module);
      boolean descriptor = Files.exists(dir.resolve("src/main/java/module-info.java"));
      boolean manifest =
          Files.readString(dir.resolve("pom.xml"))
              .contains("<Automatic-Module-Name>io.github.broadcast.");
      assertThat(descriptor || manifest)
          .as(module + ": module-info or Automatic-Module-Name")
          .isTrue();
    }
  }

  @Test
  void theArchitecturePage_namesEveryPublicTypeOfEveryPublishedModule() throws Exception {
    String page = Files.readString(ROOT.resolve("site/src/pages/architecture.md"));
    int start = page.indexOf("## Modules and their public types");
    assertThat(start).as("the architecture page's list of public types").isNotNegative();
    String section = page.substring(start, page.indexOf("\n## ", start + 1));
    for (String module : published()) {
      assertThat(documented(section, module))
          .as(module + ": public top-level types, against the architecture page's list")
          .containsExactlyInAnyOrderElementsOf(publicTypes(ROOT.resolve(module)));
    }
  }

  private static final Pattern PUBLIC_TYPE =
      Pattern.compile(
          "^public (?:final |abstract |sealed |non-sealed"
              + " )*(?:class|interface|enum|record|@interface) (\\w+)",
          Pattern.MULTILINE);
  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  /**
   * The module's public top-level types, by simple name; a type in an {@code internal} package as
   * {@code internal.Name}.
   */
  private static List<String> publicTypes(Path module) throws Exception {
    List<String> types = new ArrayList<>();
    if (!Files.isDirectory(module.resolve("src/main/java"))) {
      return types; // No Java (broadcast-client): no types, and its bullet names none.
    }
    try (var files = Files.walk(module.resolve("src/main/java"))) {
      for (Path file :
          (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
        String source = Files.readString(file);
        Matcher type = PUBLIC_TYPE.matcher(source);
        Matcher pkg = PACKAGE.matcher(source);
        if (type.find() && pkg.find()) {
          types.add((pkg.group(1).endsWith(".internal") ? "internal." : "") + type.group(1));
        }
      }
    }
    assertThat(types).as(module + " has public types").isNotEmpty();
    return types;
  }

  /** The type names in the page's bullet for {@code module}: code spans that name a type. */
  private static List<String> documented(String section, String module) {
    int from = section.indexOf("\n- " + module + ": ");
    assertThat(from).as("a bullet for " + module).isNotNegative();
    int to = section.indexOf("\n- ", from + 1);
    int paragraph = section.indexOf("\n\n", from + 1);
    if (to < 0 || (paragraph >= 0 && paragraph < to)) {
      to = paragraph;
    }
    List<String> names = new ArrayList<>();
    Matcher m = CODE.matcher(section.substring(from, to < 0 ? section.length() : to));
    while (m.find()) {
      if (m.group(1).matches("(internal\\.)?[A-Z]\\w*")) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
