package io.github.broadcast.examples.loadtest;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One load: {@code sessions} Claude Code sessions posting {@code rate} hook events a second each,
 * watched by {@code clients} dashboard clients of which {@code slow} stall (they stop reading their
 * socket after {@code initial_state}).
 */
record Scenario(String name, int sessions, double rate, int clients, int slow) {

  Scenario {
    if (sessions <= 0 || rate <= 0 || clients <= 0 || slow < 0 || slow >= clients) {
      throw new IllegalArgumentException(
          "scenario "
              + name
              + " : sessions "
              + sessions
              + ", rate "
              + rate
              + ", clients "
              + clients
              + ", slow "
              + slow
              + " (expected: all positive, and fewer slow clients than clients)");
    }
  }

  /** Events posted a second, all sessions together. */
  double eventsPerSecond() {
    return sessions * rate;
  }

  /** The original issue's table, then scale, then slow clients. */
  static final Map<String, Scenario> PRESETS = new LinkedHashMap<>();

  static {
    add(new Scenario("orig-5x2x1", 5, 2, 1, 0));
    add(new Scenario("orig-10x3x1", 10, 3, 1, 0));
    add(new Scenario("orig-15x5x1", 15, 5, 1, 0));
    add(new Scenario("orig-10x3x3", 10, 3, 3, 0));
    add(new Scenario("orig-20x5x5", 20, 5, 5, 0));
    add(new Scenario("scale-20x5x100", 20, 5, 100, 0));
    add(new Scenario("scale-50x10x100", 50, 10, 100, 0)); // The slow row's baseline.
    add(new Scenario("scale-50x10x500", 50, 10, 500, 0));
    add(new Scenario("scale-100x10x1000", 100, 10, 1000, 0));
    add(new Scenario("slow-20x5x5+1", 20, 5, 5, 1));
    add(new Scenario("slow-50x10x100+5", 50, 10, 100, 5));
  }

  private static void add(Scenario scenario) {
    PRESETS.put(scenario.name, scenario);
  }

  @Override
  public String toString() {
    return name
        + " ("
        + sessions
        + " sessions x "
        + rate
        + " events/s, "
        + clients
        + " clients"
        + (slow > 0 ? ", " + slow + " stalled" : "")
        + ")";
  }
}
