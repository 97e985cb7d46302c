package io.github.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.StoreUnavailableException;
import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One server node of a test cluster: a store on Redis, a broadcaster fed by it, and recording
 * clients, each of which checks on every frame that versions never go backwards.
 */
final class Node implements AutoCloseable {

  final RedisSessionStore store;
  final Broadcaster broadcaster = Broadcasters.concurrent();
  final List<RecordingClient> clients = new ArrayList<>();

  Node(RedisSessionStore.Builder builder) {
    store = builder.build();
    store.subscribe(broadcaster::publish);
  }

  RecordingClient connect(String id) {
    return connect(new RecordingClient(id));
  }

  RecordingClient connect(RecordingClient client) {
    clients.add(client);
    broadcaster.register(client);
    return client;
  }

  /** Adds one to the session's counter {@code n}: a lost change shows as a short count. */
  SessionUpdate increment(String session) {
    return store.apply(session, state -> state.put("n", state.path("n").asLong() + 1));
  }

  /** Increments, retrying while the change is refused (not made), as a producer would. */
  SessionUpdate incrementRetrying(String session) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        return increment(session);
      } catch (StoreUnavailableException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  /** The counter {@code n} of {@code session} on this node, or 0. */
  long n(String session) {
    return store.get(session).map(u -> u.state().path("n").asLong()).orElse(0L);
  }

  /** Session id to version, on this node. */
  Map<String, Long> versions() {
    Map<String, Long> versions = new HashMap<>();
    store.snapshot().forEach(u -> versions.put(u.sessionId(), u.version()));
    return versions;
  }

  /**
   * Waits until every node holds the same view, connected and reconciled, and every open client
   * holds it too; then checks every client kept the protocol (versions never went backwards).
   */
  static void awaitConvergence(List<Node> nodes) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              Map<String, Long> truth = nodes.get(0).versions();
              for (Node node : nodes) {
                assertThat(node.store.stats().connected()).as("node connected").isTrue();
                assertThat(node.versions()).as("node view").isEqualTo(truth);
                for (RecordingClient client : node.clients) {
                  if (client.isOpen()) {
                    assertThat(client.view()).as(client.id()).isEqualTo(truth);
                  }
                }
              }
            });
    nodes.forEach(node -> node.clients.forEach(RecordingClient::assertConsistent));
  }

  @Override
  public void close() {
    store.close();
    broadcaster.close();
  }
}
