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
}
