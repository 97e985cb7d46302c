package io.github.broadcast.examples.loadtest;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Posts hook events on an open-loop {@link Schedule}: each post is written when it falls due, on
 * keep-alive connections with pipelining ({@link PipelinedPoster}), and nothing waits for its
 * response, so a slow server cannot slow the send rate. How far the sender itself fell behind its
 * schedule is reported (it can, when the load generator runs out of CPU). Records when each event
 * was sent, for the clients' staleness.
 */
final class HookPoster implements AutoCloseable {

  /**
   * Connections per server: enough that one slow answer holds back few posts. Tomcat serves a
   * connection's pipelined requests one at a time, and Spring's asynchronous hook handler takes two
   * trips through its worker queue each, behind the WebSocket work: with 8 connections the poster
   * itself, not the server, fell behind at 500 posts a second. Real hooks come from many processes,
   * each over its own connection.
   */
  static final int CONNECTIONS = 32;

  /** A post sent more than this after its due time counts as late. */
  static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final List<PipelinedPoster> posters = new ArrayList<>();
  private final Scenario scenario;
  final String[] sessionIds;
  final Staleness.SendLog log;
  final Histogram postLatency = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(1), 2);
  final AtomicLong failedPosts = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  long maxLagNanos;
  long lateEvents;
  long sent;

  HookPoster(List<URI> bases, Scenario scenario, int maxEventsPerSession, String runId) {
    for (URI base : bases) {
      posters.add(new PipelinedPoster(base, CONNECTIONS));
    }
    this.scenario = scenario;
    this.sessionIds = new String[scenario.sessions()];
    for (int s = 0; s < sessionIds.length; s++) {
      sessionIds[s] = String.format("lt-%s-%04d", runId, s);
    }
    this.log = new Staleness.SendLog(scenario.sessions(), maxEventsPerSession);
  }

  /**
   * Posts for {@code warmup} then {@code duration}; events of the second part are measured, and
   * {@code onMeasuring} runs (on this thread) just before the first of them is sent. Returns when
   * the last event is sent, without waiting for responses.
   */
  void post(Duration warmup, Duration duration, Runnable onMeasuring) {
    Schedule schedule = Schedule.of(System.nanoTime(), scenario);
    long measureFrom = schedule.startNanos() + warmup.toNanos();
    long end = measureFrom + duration.toNanos();
    long events = schedule.eventsBefore(end);
    int[] counts = new int[sessionIds.length];
    boolean measuring = false;
    for (long i = 0; i < events; i++) {
      long due = schedule.due(i);
      long now = System.nanoTime();
      if (due > now) {
        LockSupport.parkNanos(due - now);
        now = System.nanoTime();
      }
      long lag = now - due;
      maxLagNanos = Math.max(maxLagNanos, lag);
      if (lag > LATE_NANOS) {
        lateEvents++;
      }
      if (!measuring && due >= measureFrom) {
        measuring = true;
        onMeasuring.run();
        for (int s = 0; s < counts.length; s++) {
          log.measureFrom(s, counts[s] + 1);
        }
      }
      int s = schedule.session(i);
      int k = ++counts[s];
      long sentAt = System.nanoTime();
      if (log.fits(s, k)) {
        log.sent(s, k, sentAt);
      }
      sent++;
      posters
          .get((int) (i % posters.size()))
          .post(
              "/api/hooks",
              hook(sessionIds[s], scenario.projectOf(s), k),
              status -> {
                if (status != 202) {
                  failedPosts.incrementAndGet();
                } else {
                  postLatency.recordValue(
                      Math.min(System.nanoTime() - sentAt, postLatency.getHighestTrackableValue()));
                }
                answered.incrementAndGet();
              });
    }
  }

  /** Waits up to 30 s for the responses of what {@link #post} sent; unanswered ones fail. */
  void awaitResponses() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (answered.get() < sent && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    long unanswered = sent - answered.get();
    if (unanswered > 0) {
      failedPosts.addAndGet(unanswered);
    }
  }

  @Override
  public void close() {
    posters.forEach(PipelinedPoster::close);
  }

  /** A hook payload shaped like Claude Code's: tool calls, with a prompt now and then. */
  static String hook(String sessionId, int k) {
    return hook(sessionId, null, k);
  }

  /**
   * As {@link #hook(String, int)}, the session working in project {@code project} (its cwd's last
   * folder), or in a folder of its own when null.
   */
  static String hook(String sessionId, String project, int k) {
    String event = k % 10 == 1 ? "UserPromptSubmit" : k % 2 == 0 ? "PreToolUse" : "PostToolUse";
    return "{\"session_id\":\""
        + sessionId
        + "\",\"hook_event_name\":\""
        + event
        + "\","
        + "\"cwd\":\"/home/load/"
        + (project == null ? sessionId : project)
        + "\","
        + "\"transcript_path\":\"/home/load/.claude/"
        + sessionId
        + ".jsonl\","
        + "\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"mvn -q test -Dtest=Case"
        + k
        + "\"},\"prompt\":\"Make the load test pass, step "
        + k
        + "\"}";
  }
}
