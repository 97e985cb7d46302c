package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.testing.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class SessionStoreTest {

  private final FakeTicker ticker = new FakeTicker();
  private final List<SessionUpdate> published = new ArrayList<>();

  private SessionStore.Builder store() {
    return SessionStore.newBuilder().ticker(ticker).sink(published::add);
  }

  @Test
  void apply_createsFromAnEmptyObject_thenChangesACopy_withGrowingVersions() {
    SessionStore store = store().build();
    SessionUpdate first = store.apply("a", state -> state.put("count", 1));
    SessionUpdate second = store.apply("a", state -> state.put("count", state.get("count").asInt() + 1));

    assertThat(first.version()).isLessThan(second.version());
    assertThat(first.state().get("count").asInt()).as("the first state was not modified").isEqualTo(1);
    assertThat(second.state().get("count").asInt()).isEqualTo(2);
    assertThat(published).containsExactly(first, second);
    assertThat(store.get("a")).contains(second);
  }

  @Test
  void apply_changeReturningNull_failsAndChangesNothing() {
    SessionStore store = store().build();
    SessionUpdate first = store.apply("a", state -> state.put("count", 1));

    assertThatThrownBy(() -> store.apply("a", state -> null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("session a");
    assertThat(store.get("a")).contains(first);
    assertThat(published).containsExactly(first);
  }

  @Test
  void apply_blankOrNullId_isRejected() {
    SessionStore store = store().build();
    assertThatThrownBy(() -> store.apply(" ", state -> state))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sessionId");
    assertThatThrownBy(() -> store.apply(null, state -> state))
        .isInstanceOf(NullPointerException.class);
    assertThat(published).isEmpty();
  }

  @Test
  void remove_publishesATombstoneNewerThanTheLastState_andRecreationGoesOnGrowing() {
    SessionStore store = store().build();
    SessionUpdate live = store.apply("a", state -> state.put("n", 1));
    SessionUpdate tombstone = store.remove("a").orElseThrow();
    SessionUpdate reborn = store.apply("a", state -> state.put("n", 2));

    assertThat(tombstone.isTombstone()).isTrue();
    assertThat(tombstone.version()).isGreaterThan(live.version());
    assertThat(reborn.version()).isGreaterThan(tombstone.version());
    assertThat(reborn.state().has("n")).isTrue();
    assertThat(store.remove("missing")).isEmpty();
  }

  @Test
  void expireAfter_endsSessionsByState_andPublishesTheirTombstones() {
    SessionStore store =
        store()
            .expireAfter(state -> state.path("status").asText().equals("ended")
                ? Duration.ofMinutes(5)
                : Duration.ofHours(1))
            .build();
    store.apply("working", state -> state.put("status", "working"));
    SessionUpdate ended = store.apply("ended", state -> state.put("status", "ended"));

    ticker.advance(Duration.ofMinutes(6));
    store.cleanUp();

    assertThat(store.snapshot()).extracting(SessionUpdate::sessionId).containsExactly("working");
    SessionUpdate last = published.get(published.size() - 1);
    assertThat(last.sessionId()).isEqualTo("ended");
    assertThat(last.isTombstone()).isTrue();
    assertThat(last.version()).isGreaterThan(ended.version());
  }

  @Test
  void expireAfterWrite_rejectsANonPositiveDuration_namingTheOption() {
    assertThatThrownBy(() -> SessionStore.newBuilder().expireAfterWrite(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expireAfterWrite");
  }

  @Test
  void storeFeedingABroadcaster_throughTheBackplane_keepsClientsInStep() {
    Broadcaster broadcaster = Broadcasters.concurrent();
    Backplane backplane = Backplane.inProcess();
    backplane.subscribe(broadcaster::publish);
    SessionStore store = SessionStore.newBuilder().sink(backplane::publish).build();
    io.github.broadcast.testing.RecordingClient client =
        new io.github.broadcast.testing.RecordingClient("c1");
    broadcaster.register(client);

    store.apply("a", state -> state.put("n", 1));
    store.apply("b", state -> state.put("n", 1));
    store.remove("a");

    assertThat(client.view()).containsOnlyKeys("b");
    backplane.close();
    broadcaster.close();
    client.assertConsistent();
  }
}
