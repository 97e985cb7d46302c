package io.github.broadcast.examples.loadtest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.broadcast.Broadcasters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.annotation.JsonNaming;
import tools.jackson.databind.json.JsonMapper;

/**
 * The load test's report, as {@code report.json} holds it: where and how it ran, and one {@link
 * Run} per scenario and strategy. The load test writes it; {@link Report} and the site read it back
 * through these records, so a field has one name and one type everywhere. JSON names are the
 * snake_case of the components ({@code framesPerSPerClient} is {@code frames_per_s_per_client});
 * unknown fields are ignored, so older reports still read.
 *
 * @param date when the run started (ISO-8601)
 * @param cores the machine's cores
 * @param memoryBytes the machine's memory
 * @param java the Java version of the load generator
 * @param command the command that ran it
 * @param serverArgs the options every dashboard the load test started was given
 * @param server which dashboard served the runs: {@code grizzly} (dashboard-server), {@code spring}
 *     (spring-boot-dashboard), or {@code (running server)}; absent in older reports, which all ran
 *     on dashboard-server
 * @param delta whether the clients took merge patches ({@code --delta}); absent in older reports,
 *     whose clients all took whole states
 * @param deflate whether the clients offered permessage-deflate ({@code --deflate}); absent in
 *     older reports, whose clients never did
 * @param warmupS warm-up seconds per run
 * @param durationS measured seconds per run
 * @param wallS seconds the whole report took
 * @param runs one result per scenario and strategy, in the order they ran
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LoadTestReport(
    String date,
    int cores,
    long memoryBytes,
    String java,
    String command,
    String serverArgs,
    String server,
    Boolean delta,
    Boolean deflate,
    long warmupS,
    long durationS,
    double wallS,
    List<Run> runs) {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(SerializationFeature.INDENT_OUTPUT)
          // A report written before a figure existed reads as 0 for it, as with Jackson 2.
          .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  /** Reads a report written by {@link #write}. */
  public static LoadTestReport read(Path file) throws IOException {
    return MAPPER.readValue(file.toFile(), LoadTestReport.class);
  }

  /** Writes this report as JSON. */
  public void write(Path file) throws IOException {
    Files.writeString(file, MAPPER.writeValueAsString(this) + "\n");
  }

  /**
   * One run: a scenario under one strategy (on one or several servers), or the error that ended it,
   * with every other figure absent.
   *
   * @param scenario the scenario's name
   * @param sessions simulated sessions
   * @param rate hook events a second per session
   * @param clients dashboard clients watching
   * @param slow how many of them stalled
   * @param strategy the servers' strategy (a preset's name in lower case)
   * @param nodes servers that served the run (several share one Redis)
   * @param stalenessMs time from an event's POST until a healthy client held it
   * @param framesPerSPerClient WebSocket frames a healthy client received a second
   * @param updatesPerSPerClient session updates a healthy client received a second
   * @param posted hook events posted
   * @param postFailures hook POSTs that failed or got no answer in time
   * @param postP99Ms 99th percentile of a hook POST's latency
   * @param posterMaxLagMs the most the poster fell behind its open-loop schedule
   * @param posterFellBehind whether any event was posted late
   * @param serverHeapBeforeMb heap in use before the run (the largest node's)
   * @param serverHeapMaxMb the most heap in use during it
   * @param serverHeapGrowthMb the growth of that over the start
   * @param serverQueuedMaxKb the most bytes queued in the servers' outboxes
   * @param serverRssMb resident memory after the run (the largest node's)
   * @param serverCpuCores server CPU, in cores, summed over the nodes
   * @param loadgenCpuCores the load generator's own CPU, in cores
   * @param serverCloses clients the servers closed, by reason
   * @param redis what the servers' Redis store counted, when they shared one
   * @param clientsRefused healthy clients refused at connect, by close code
   * @param healthyCloses healthy clients closed during the run, by close code
   * @param healthyClientsClosed healthy clients refused or closed in all
   * @param serverMbSentPerS megabytes the servers sent a second
   * @param serverFrameBytes average bytes per frame sent
   * @param converged whether every open healthy client ended with the servers' view
   * @param drainMs how long delivery took after the last POST
   * @param error why the run failed, or null
   * @param windows the healthy clients' staleness per 10 s of the measured run, or null
   * @param link the client behind a slow link, when the scenario has one, or null
   * @param wireBytesPerUpdate bytes the healthy clients received on the wire while measuring (frame
   *     headers and payloads as sent, compressed or not) per session update they received; absent
   *     in older reports
   * @param patchesApplied merge patches the healthy clients applied while measuring
   * @param patchMisses patches a client (healthy, or behind the slow link) could not apply because
   *     it did not hold their base, over the whole run: must be 0, and the run has not converged
   *     otherwise
   * @param deflatedClients healthy clients whose server accepted permessage-deflate
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Run(
      String scenario,
      int sessions,
      double rate,
      int clients,
      int slow,
      String strategy,
      Integer nodes,
      Staleness stalenessMs,
      // Named: snake case would make "frames_per_sper_client" of two capitals in a row.
      @JsonProperty("frames_per_s_per_client") double framesPerSPerClient,
      @JsonProperty("updates_per_s_per_client") double updatesPerSPerClient,
      long posted,
      long postFailures,
      double postP99Ms,
      double posterMaxLagMs,
      boolean posterFellBehind,
      double serverHeapBeforeMb,
      double serverHeapMaxMb,
      double serverHeapGrowthMb,
      double serverQueuedMaxKb,
      double serverRssMb,
      double serverCpuCores,
      double loadgenCpuCores,
      Map<String, Long> serverCloses,
      RedisCounters redis,
      Map<String, Integer> clientsRefused,
      Map<String, Integer> healthyCloses,
      long healthyClientsClosed,
      double serverMbSentPerS,
      long serverFrameBytes,
      boolean converged,
      long drainMs,
      String error,
      List<Window> windows,
      LinkResult link,
      Double wireBytesPerUpdate,
      Long patchesApplied,
      Long patchMisses,
      Integer deflatedClients) {

    /** A run that ended in {@code error}: the scenario, the strategy and why. */
    static Run failed(Scenario scenario, String strategy, String error) {
      return new Run(
          scenario.name(),
          scenario.sessions(),
          scenario.rate(),
          scenario.clients(),
          scenario.slow(),
          strategy,
          null,
          null,
          0,
          0,
          0,
          0,
          0,
          0,
          false,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          null,
          null,
          null,
          null,
          0,
          0,
          0,
          false,
          0,
          error,
          null,
          null,
          null,
          null,
          null,
          null);
    }

    /** Whether the run failed instead of measuring. */
    public boolean failed() {
      return error != null;
    }

    /** Server CPU per session update delivered to a client, in microseconds; 0 if none was. */
    public double cpuMicrosPerUpdate() {
      double delivered = updatesPerSPerClient() * clients();
      return delivered > 0 ? serverCpuCores() * 1e6 / delivered : 0;
    }

    /** The preset the servers ran, if the strategy names one. */
    public Optional<Broadcasters.Preset> preset() {
      try {
        return Optional.of(Broadcasters.Preset.valueOf(strategy.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException | NullPointerException e) {
        return Optional.empty();
      }
    }

    /** Whether the servers batched updates. */
    public boolean batched() {
      return preset().map(Broadcasters.Preset::isBatched).orElse(false);
    }

    /** Whether the servers bounded each client's outbox. */
    public boolean bounded() {
      return preset().map(Broadcasters.Preset::isBounded).orElse(false);
    }

    /** Patches missed: 0 when the report does not say. */
    public long patchMissCount() {
      return patchMisses == null ? 0 : patchMisses;
    }

    /** How many servers served it: 1 unless it says otherwise. */
    public int nodeCount() {
      return nodes == null ? 1 : nodes;
    }

    /** The strategy, and how many nodes served the run when there were several. */
    public String label() {
      return strategy + (nodeCount() > 1 ? ", " + nodeCount() + " nodes" : "");
    }
  }

  /**
   * Staleness percentiles, in milliseconds.
   *
   * @param samples events measured
   * @param undelivered events some open client never received by the end (counted as stale until
   *     then: the percentiles are lower bounds when this is not zero)
   * @param p50 median
   * @param p90 90th percentile
   * @param p99 99th percentile
   * @param max the largest
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Staleness(
      long samples, long undelivered, double p50, double p90, double p99, double max) {}

  /**
   * Staleness of events sent in one window of the measured run, in milliseconds.
   *
   * @param fromS where the window starts, in seconds from the start of the measured run
   * @param samples events measured in it
   * @param p50 median
   * @param p99 99th percentile
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Window(long fromS, long samples, double p50, double p99) {}

  /**
   * The client behind a slow link: its own staleness, apart from the others'.
   *
   * @param bytesPerSecond the link's rate, server to client
   * @param queueBytes the link's queue
   * @param stalenessMs over the measured run
   * @param secondHalfP99Ms the 99th percentile over its second half: whether the client kept up
   * @param windows per 10 s
   * @param converged whether it ended with the server's view
   * @param closed how it was closed, if it was
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record LinkResult(
      int bytesPerSecond,
      int queueBytes,
      Staleness stalenessMs,
      double secondHalfP99Ms,
      List<Window> windows,
      boolean converged,
      String closed) {}

  /**
   * What the servers' Redis store counted during a run, summed over the nodes.
   *
   * @param conflicts changes retried because another node changed the session first
   * @param failedWrites changes refused, not made
   * @param disconnects times a node lost Redis
   * @param received updates received over pub/sub
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RedisCounters(long conflicts, long failedWrites, long disconnects, long received) {}
}
