package io.github.broadcast;

import static io.github.broadcast.BroadcasterContractTest.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real threads: publishers, registrations and unregistrations behind one start gate, clients
 * whose sends complete on other threads. Loops are bounded; the test waits on conditions.
 */
@Timeout(120) // A guard against a deadlock, not a speed assertion.
final class ConcurrencyStressTest {

  private static final int PUBLISHERS = 4;
  private static final int SESSIONS = 5; // Per publisher.
  private static final int UPDATES = 1_500; // Per publisher: 300 versions of each session.

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final ExecutorService completions = Executors.newFixedThreadPool(2);

  @AfterEach
  void tearDown() throws InterruptedException {
    threads.shutdownNow();
    completions.shutdownNow();
    assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * Each publisher owns its sessions and publishes their versions 1, 2, 3, ...; a client that
   * joins at any moment must see its snapshot and then every later version: no gap, no
   * duplicate, whatever the interleaving.
   */
  @ParameterizedTest
  @EnumSource(
      value = Variant.class,
      names = {"CONCURRENT", "BACKPRESSURE_CONFLATE"})
  void registrationsRacingPublishers_snapshotThenLive_noGapNoDuplicate(Variant variant)
      throws Exception {
    Broadcasters.Builder builder = variant.builder();
    if (variant.policy != null) {
      // Large enough never to overflow: an overflow would (rightly) skip versions.
      builder.outboxLimits(OutboxLimits.DEFAULT.withMaxBytes(64L << 20).withMaxFrames(1 << 20));
    }
    Broadcaster broadcaster = builder.build();
    List<RecordingClient> kept = new CopyOnWriteArrayList<>();
    List<Callable<?>> tasks = publishers(broadcaster);
    tasks.add(() -> {
      for (int i = 0; i < 120; i++) {
        RecordingClient client = new RecordingClient("c" + i).expectConsecutive();
        if (i % 2 == 0) {
          client.completeOn(completions);
        }
        broadcaster.register(client);
        if (i % 3 == 0) {
          broadcaster.unregister(client);
        } else {
          kept.add(client);
        }
      }
      return null;
    });
    runTogether(tasks);

    awaitConvergence(kept);
    kept.forEach(RecordingClient::assertConsistent);
    kept.forEach(RecordingClient::assertOpen);
    assertThat(broadcaster.stats().clients()).isEqualTo(kept.size());
    assertThat(broadcaster.stats().published()).isEqualTo((long) PUBLISHERS * UPDATES);
    broadcaster.close();
    assertThat(broadcaster.stats().clients()).isZero();
  }

  /** Every strategy under concurrent publishers converges, and close racing them is clean. */
  @ParameterizedTest
  @EnumSource(value = Variant.class, mode = EnumSource.Mode.EXCLUDE, names = "SEQUENTIAL")
  void manyPublishers_everyStrategy_convergesThenClosesWhilePublishing(Variant variant)
      throws Exception {
    Broadcaster broadcaster = variant.builder().build();
    List<RecordingClient> clients = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      RecordingClient client = new RecordingClient("c" + i);
      if (i % 2 == 0) {
        client.completeOn(completions);
      }
      clients.add(client);
      broadcaster.register(client);
    }
    runTogether(publishers(broadcaster));

    List<RecordingClient> open = new ArrayList<>(clients);
    open.removeIf(client -> client.closeReason() != null); // Only DISCONNECT closes any.
    awaitConvergence(open);
    clients.forEach(RecordingClient::assertConsistent);

    // Now close while publishers are still going: they stop with IllegalStateException only.
    List<Callable<?>> late = new ArrayList<>();
    for (int p = 0; p < PUBLISHERS; p++) {
      late.add(() -> {
        for (int i = 0; i < 100_000; i++) {
          try {
            broadcaster.publish(update("late", 10_000 + i));
          } catch (IllegalStateException closed) {
            return null;
          }
        }
        return null;
      });
    }
    late.add(() -> {
      broadcaster.close();
      broadcaster.close();
      return null;
    });
    runTogether(late);
    assertThat(broadcaster.stats().clients()).isZero();
    for (RecordingClient client : clients) {
      assertThat(client.closeReason()).isIn(CloseReason.SHUTDOWN, CloseReason.TOO_SLOW);
    }
  }

  @Test
  void oneSendInFlightPerClient_evenWithManyPublishersAndAsyncCompletions() throws Exception {
    Broadcaster broadcaster = Broadcasters.concurrent();
    RecordingClient client = new RecordingClient("c").completeOn(completions);
    broadcaster.register(client);

    runTogether(publishers(broadcaster));

    awaitConvergence(List.of(client));
    assertThat(client.maxInFlight()).isEqualTo(1);
    client.assertConsistent();
    broadcaster.close();
  }

  /** One task per publisher: versions 1, 2, ... of its own sessions, round robin. */
  private static List<Callable<?>> publishers(Broadcaster broadcaster) {
    List<Callable<?>> tasks = new ArrayList<>();
    for (int p = 0; p < PUBLISHERS; p++) {
      int publisher = p;
      tasks.add(() -> {
        for (int i = 0; i < UPDATES; i++) {
          broadcaster.publish(update("p" + publisher + "s" + (i % SESSIONS), i / SESSIONS + 1));
        }
        return null;
      });
    }
    return tasks;
  }

  private static void awaitConvergence(List<RecordingClient> clients) {
    Map<String, Long> expected = new HashMap<>();
    for (int p = 0; p < PUBLISHERS; p++) {
      for (int s = 0; s < SESSIONS; s++) {
        expected.put("p" + p + "s" + s, (long) UPDATES / SESSIONS);
      }
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (RecordingClient client : clients) {
        assertThat(client.view()).as(client.id()).isEqualTo(expected);
      }
    });
  }

  /** Starts every task at once behind a gate, then waits for all of them. */
  private void runTogether(List<Callable<?>> tasks) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (Callable<?> task : tasks) {
      futures.add(threads.submit(() -> {
        start.await();
        return task.call();
      }));
    }
    start.countDown();
    for (Future<?> future : futures) {
      future.get(60, TimeUnit.SECONDS);
    }
  }
}
