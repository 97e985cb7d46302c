package io.github.broadcast.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Spring Boot's report for a start that failed on a {@code broadcast.*} property: the property, the
 * value and what was expected, in a few lines, instead of the nested bean-creation exceptions
 * around it. Registered in {@code META-INF/spring.factories}.
 */
final class BroadcastFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidBroadcastPropertyException> {

  /** Created by Spring Boot's failure analysis. */
  BroadcastFailureAnalyzer() {}

  @Override
  protected FailureAnalysis analyze(Throwable root, InvalidBroadcastPropertyException cause) {
    return new FailureAnalysis(
        "The broadcast starter cannot start with this setting:\n\n    " + cause.getMessage(),
        "Set "
            + cause.property()
            + " as expected (in application.properties, or as --"
            + cause.property()
            + "=... on the command line). Every broadcast.* property, with its default, is on"
            + " the configuration page of the documentation.",
        cause);
  }
}
