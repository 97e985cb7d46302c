package io.github.broadcast.examples.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

final class ScheduleTest {

  private final Scenario scenario = new Scenario("t", 4, 5, 1, 0); // 20 events a second.

  @Test
  void eventsAreDueEvenlyAtTheScenariosRate_roundRobinOverSessions() {
    Schedule schedule = Schedule.of(1_000, scenario);

    assertThat(schedule.intervalNanos()).isEqualTo(50_000_000L);
    assertThat(schedule.due(0)).isEqualTo(1_000);
    assertThat(schedule.due(20)).isEqualTo(1_000 + 1_000_000_000L);
    assertThat(
            List.of(
                schedule.session(0), schedule.session(1), schedule.session(4), schedule.session(7)))
        .containsExactly(0, 1, 0, 3);
  }

  @Test
  void eventsBefore_countsTheDueTimesInsideTheWindow() {
    Schedule schedule = Schedule.of(0, scenario);

    assertThat(schedule.eventsBefore(0)).isZero();
    assertThat(schedule.eventsBefore(1)).isEqualTo(1); // Event 0 at t = 0.
    assertThat(schedule.eventsBefore(1_000_000_000L)).isEqualTo(20);
    assertThat(schedule.eventsBefore(1_000_000_001L)).isEqualTo(21);
  }

  /**
   * Open loop: a server that answers nothing until the poster is done still receives every post of
   * the schedule; the poster never waits for a response before sending the next.
   */
  @Test
  @Timeout(60)
  void serverThatDoesNotAnswer_doesNotHoldBackThePosts() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    AtomicInteger received = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ExecutorService threads = Executors.newCachedThreadPool();
    server.setExecutor(threads);
    server.createContext(
        "/api/hooks",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          received.incrementAndGet();
          try {
            answer.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(202, -1);
          exchange.close();
        });
    server.start();
    try {
      URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
      HookPoster poster = new HookPoster(List.of(base), scenario, 10, "t");

      List<Long> measuringFrom = new ArrayList<>();
      poster.post(Duration.ZERO, Duration.ofSeconds(1), () -> measuringFrom.add(poster.sent));

      assertThat(measuringFrom)
          .as("measuring starts once, before the first measured post")
          .containsExactly(0L);
      assertThat(poster.sent).isEqualTo(20); // All sent, none answered yet.
      assertThat(poster.postLatency.getTotalCount()).isZero();
      answer.countDown();
      poster.awaitResponses();
      assertThat(received.get()).isEqualTo(20);
      assertThat(poster.postLatency.getTotalCount()).isEqualTo(20);
      assertThat(poster.failedPosts.get()).isZero();
      for (int s = 0; s < 4; s++) {
        for (int k = 1; k <= 5; k++) {
          assertThat(poster.log.sentAt(s, k)).as("session %d event %d", s, k).isPositive();
        }
      }
    } finally {
      answer.countDown();
      server.stop(0);
      threads.shutdownNow();
      threads.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
