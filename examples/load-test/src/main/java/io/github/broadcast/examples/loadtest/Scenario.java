package io.github.broadcast.examples.loadtest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One load: {@code sessions} Claude Code sessions posting {@code rate} hook events a second each,
 * watched by {@code clients} dashboard clients of which {@code slow} stall (they stop reading their
 * socket after the handshake) and, when {@code link} is set, one more reaches the server through a
 * slow link.
 *
 * @param link a client behind a throttled link, or null
 * @param durationS measured seconds for this scenario, or 0 for the run's {@code --duration}
 * @param connectRate client connections a second, or 0 for the run's {@code --connect-rate}
 * @param serverArgs options the dashboard needs for this load (its connection limits)
 * @param topics 0: every client watches every session; else the sessions are spread over this many
 *     projects (session s in project {@code t<s % topics>}) and client c watches project {@code t<c
 *     % topics>} only ({@code ?project=}), as pages of a shared dashboard each watching a team
 */
record Scenario(
    String name,
    int sessions,
    double rate,
    int clients,
    int slow,
    Link link,
    long durationS,
    double connectRate,
    List<String> serverArgs,
    int topics) {

  /**
   * A link of {@code bytesPerSecond} from the server to one client, with a queue of {@code
   * queueBytes}: the proxy reads from the server only as fast as it forwards.
   */
  record Link(int bytesPerSecond, int queueBytes) {
    Link {
      if (bytesPerSecond <= 0 || queueBytes <= 0) {
        throw new IllegalArgumentException(
            "link : "
                + bytesPerSecond
                + " B/s, queue "
                + queueBytes
                + " B (expected: both positive)");
      }
    }

    @Override
    public String toString() {
      return bytesPerSecond / 1024 + " KB/s link (" + queueBytes / 1024 + " KB queue)";
    }
  }

  Scenario {
    if (sessions <= 0
        || rate <= 0
        || clients <= 0
        || slow < 0
        || slow >= clients
        || topics < 0
        || topics > sessions) {
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
              + ", topics "
              + topics
              + " (expected: all positive, fewer slow clients than clients, and at most one topic"
              + " per session)");
    }
    serverArgs = List.copyOf(serverArgs);
  }

  /** A scenario with no slow link, measured and connected at the run's pace. */
  Scenario(String name, int sessions, double rate, int clients, int slow) {
    this(name, sessions, rate, clients, slow, null, 0, 0, List.of(), 0);
  }

  /** The project session {@code s} works in, or null when every client watches every session. */
  String projectOf(int s) {
    return topics == 0 ? null : "t" + (s % topics);
  }

  /** The project client {@code c} watches, or null for every one. */
  String watchedBy(int c) {
    return topics == 0 ? null : "t" + (c % topics);
  }

  /** Events posted a second, all sessions together. */
  double eventsPerSecond() {
    return sessions * rate;
  }

  /** The original issue's table, then scale, then slow clients, then a slow link. */
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
    // Ten thousand pages on one node: connected at 2,000 a second, which the server must admit.
    add(
        new Scenario(
            "scale-10x1x10000",
            10,
            1,
            10_000,
            0,
            null,
            0,
            2_000,
            List.of("--connection-rate", "2000:2000", "--max-clients", "20000"),
            0));
    add(new Scenario("slow-20x5x5+1", 20, 5, 5, 1));
    add(new Scenario("slow-50x10x100+5", 50, 10, 100, 5));
    // One page behind 64 KB/s while 200 updates a second (about 90 KB/s of full states) are
    // offered: 40 s, so that whether its staleness grows shows in the second half.
    add(
        new Scenario(
            "link-20x10x5+64k", 20, 10, 5, 0, new Link(64 * 1024, 16 * 1024), 40, 0, List.of(), 0));
    // Topics (issue 26): 100 sessions, 1,000 pages, as one topic, then as 20 projects of 5
    // sessions with each page watching one: the server CPU per delivered update of each.
    add(new Scenario("topics-100x2x1000", 100, 2, 1000, 0));
    add(new Scenario("topics-20of5x2x1000", 100, 2, 1000, 0, null, 0, 0, List.of(), 20));
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
        + (link != null ? ", 1 more behind a " + link : "")
        + ")";
  }
}
