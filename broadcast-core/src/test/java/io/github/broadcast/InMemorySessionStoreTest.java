package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.RecordingClient;
import io.github.broadcast.testing.SessionStoreContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The store contract on the in-process store, on a fake clock; then what is its own. */
final class InMemorySessionStoreTest extends SessionStoreContract {

  private final FakeTicker ticker = new FakeTicker();

  @Override
  protected SessionStore newStore(Function<ObjectNode, Duration> expiry) {
    return SessionStore.inMemory().ticker(ticker).expireAfter(expiry).build();
  }

  @Override
  protected void elapse(SessionStore store, Duration duration) {
    ticker.advance(duration);
  }

  @Override
  protected void awaitExpiry(SessionStore store, String sessionId) {
    ((InMemorySessionStore) store).cleanUp();
  }

  @Test
  void subscriber_mayChangeTheStoreFromItsCallback_noLockIsHeld() {
    SessionStore store = store();
    List<SessionUpdate> nested = new ArrayList<>();
    store.subscribe(
        update -> {
          if (update.sessionId().equals("a") && update.version() == 1) {
            nested.add(store.apply("a", state -> state.put("again", true)));
          }
        });

    store.apply("a", state -> state.put("n", 1));

    assertThat(nested).hasSize(1);
    assertThat(store.get("a").orElseThrow().state().path("again").asBoolean()).isTrue();
  }

  @Test
  void dedupWindow_forgetsAChangeIdAfterIt() {
    SessionStore store =
        SessionStore.inMemory().ticker(ticker).dedupWindow(Duration.ofSeconds(10)).build();
    store.apply("a", "hook-1", state -> state.put("n", state.path("n").asInt() + 1));
    ticker.advance(Duration.ofSeconds(11));

    SessionUpdate again =
        store.apply("a", "hook-1", state -> state.put("n", state.path("n").asInt() + 1));

    assertThat(again.state().path("n").asInt()).as("made again once forgotten").isEqualTo(2);
  }

  @Test
  void builder_rejectsNonPositiveDurations_namingTheOption() {
    assertThatThrownBy(() -> SessionStore.inMemory().expireAfterWrite(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expireAfterWrite");
    assertThatThrownBy(() -> SessionStore.inMemory().dedupWindow(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dedupWindow");
  }

  @Test
  void storeFeedingABroadcaster_keepsClientsInStep() {
    Broadcaster broadcaster = Broadcasters.concurrent();
    SessionStore store = SessionStore.inMemory().build();
    store.apply("before", state -> state.put("n", 1));
    store.subscribe(broadcaster::publish);
    RecordingClient client = new RecordingClient("c1");
    broadcaster.register(client);

    store.apply("a", state -> state.put("n", 1));
    store.apply("b", state -> state.put("n", 1));
    store.remove("a");

    assertThat(client.view()).containsOnlyKeys("before", "b");
    store.close();
    broadcaster.close();
    client.assertConsistent();
  }
}
