package io.github.broadcast.examples.loadtest;

/**
 * The open-loop posting schedule: event i is due {@code i / (sessions x rate)} seconds after the
 * start, whatever the server does, and goes to session {@code i mod sessions}, so each session
 * posts at its rate, the sessions interleaved evenly.
 */
record Schedule(long startNanos, long intervalNanos, int sessions) {

  static Schedule of(long startNanos, Scenario scenario) {
    return new Schedule(
        startNanos, Math.max(1, Math.round(1e9 / scenario.eventsPerSecond())), scenario.sessions());
  }

  long due(long i) {
    return startNanos + i * intervalNanos;
  }

  int session(long i) {
    return (int) (i % sessions);
  }

  /** How many events fall due in [startNanos, endNanos). */
  long eventsBefore(long endNanos) {
    return endNanos <= startNanos ? 0 : (endNanos - startNanos + intervalNanos - 1) / intervalNanos;
  }
}
