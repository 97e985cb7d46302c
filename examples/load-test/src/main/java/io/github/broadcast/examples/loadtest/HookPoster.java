package io.github.broadcast.examples.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Posts hook events on an open-loop {@link Schedule}: each post is sent asynchronously when it
 * falls due and nothing waits for its response, so a slow server cannot slow the send rate. How far
 * the sender itself fell behind its schedule is reported (it can, when the load generator runs out
 * of CPU). Records when each event was sent, for the clients' staleness.
 */
final class HookPoster {

  /** A post sent more than this after its due time counts as late. */
  static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final HttpClient http;
  private final List<URI> hooks;
  private final Scenario scenario;
  final String[] sessionIds;
  final Staleness.SendLog log;
  final Histogram postLatency = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(1), 2);
  final AtomicLong failedPosts = new AtomicLong();
  private final List<CompletableFuture<?>> pending = new ArrayList<>();
  long maxLagNanos;
  long lateEvents;
  long sent;

  HookPoster(
      HttpClient http, List<URI> bases, Scenario scenario, int maxEventsPerSession, String runId) {
    this.http = http;
    this.hooks = new ArrayList<>();
    for (URI base : bases) {
      hooks.add(base.resolve("/api/hooks"));
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
      pending.add(
          http.sendAsync(
                  HttpRequest.newBuilder(hooks.get((int) (i % hooks.size())))
                      .header("Content-Type", "application/json")
                      .timeout(Duration.ofSeconds(30))
                      .POST(HttpRequest.BodyPublishers.ofString(hook(sessionIds[s], k)))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .whenComplete(
                  (response, error) -> {
                    if (error != null || response.statusCode() != 202) {
                      failedPosts.incrementAndGet();
                    } else {
                      postLatency.recordValue(
                          Math.min(
                              System.nanoTime() - sentAt, postLatency.getHighestTrackableValue()));
                    }
                  }));
      if (pending.size() > 10_000) {
        pending.removeIf(CompletableFuture::isDone);
      }
    }
  }

  /** Waits (up to 30 s each) for the responses of what {@link #post} sent. */
  void awaitResponses() throws InterruptedException {
    for (CompletableFuture<?> future : pending) {
      try {
        future.get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        // Counted by the future's own callback (an error) or here (no answer in time).
        if (!future.isDone()) {
          failedPosts.incrementAndGet();
        }
      }
    }
    pending.clear();
  }

  /** A hook payload shaped like Claude Code's: tool calls, with a prompt now and then. */
  static String hook(String sessionId, int k) {
    String event = k % 10 == 1 ? "UserPromptSubmit" : k % 2 == 0 ? "PreToolUse" : "PostToolUse";
    return "{\"session_id\":\""
        + sessionId
        + "\",\"hook_event_name\":\""
        + event
        + "\","
        + "\"cwd\":\"/home/load/"
        + sessionId
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
