package io.github.broadcast.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.SessionStore;
import io.github.broadcast.SessionUpdate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * The rules of {@link SessionStore}, written once and run against every store: a subclass says how
 * to make one and how to move its clock. Every test checks what subscribers received, so a refusal
 * that stored or delivered anything fails.
 */
public abstract class SessionStoreContract {

  private final List<SessionStore> stores = new ArrayList<>();

  /** What the subscriber of the last store made received, in order. */
  protected final List<SessionUpdate> delivered = new CopyOnWriteArrayList<>();

  /** Makes a store that expires each session after {@code expiry} of its state (null: never). */
  protected abstract SessionStore newStore(Function<ObjectNode, Duration> expiry);

  /** Moves the clock {@code store} reads by {@code duration}. */
  protected abstract void elapse(SessionStore store, Duration duration);

  /** Waits until {@code store} has expired what is due on its clock. */
  protected abstract void awaitExpiry(SessionStore store, String sessionId);

  /** A store without expiry, with a recording subscriber. */
  protected final SessionStore store() {
    return store(state -> null);
  }

  private SessionStore store(Function<ObjectNode, Duration> expiry) {
    SessionStore store = newStore(expiry);
    stores.add(store);
    store.subscribe(delivered::add);
    return store;
  }

  @AfterEach
  void closeStores() {
    stores.forEach(SessionStore::close);
  }

  private static ObjectNode count(ObjectNode state) {
    return state.put("count", state.path("count").asInt() + 1);
  }

  @Test
  void apply_createsFromAnEmptyObject_changesACopy_versionsGrow_andEverySubscriberHears() {
    SessionStore store = store();
    SessionUpdate first = store.apply("a", SessionStoreContract::count);
    SessionUpdate second = store.apply("a", SessionStoreContract::count);

    assertThat(second.version()).isGreaterThan(first.version());
    assertThat(first.state().path("count").asInt()).as("the first state unchanged").isEqualTo(1);
    assertThat(second.state().path("count").asInt()).isEqualTo(2);
    assertThat(store.get("a")).contains(second);
    assertThat(delivered).containsExactly(first, second);
  }

  @Test
  void apply_changeReturningNull_throwsNullPointerException_andChangesNothing() {
    SessionStore store = store();
    SessionUpdate first = store.apply("a", SessionStoreContract::count);

    assertThatThrownBy(() -> store.apply("a", state -> null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("session a");
    assertThat(store.get("a")).contains(first);
    assertThat(delivered).containsExactly(first);
  }

  /** A member the wire protocol reserves (base, patch, removed) is refused, and nothing is made. */
  @Test
  void apply_stateWithAReservedMember_isRefused_andChangesNothing() {
    SessionStore store = store();
    SessionUpdate first = store.apply("a", SessionStoreContract::count);

    for (String reserved : new String[] {"base", "patch", "removed"}) {
      assertThatThrownBy(() -> store.apply("a", state -> state.put(reserved, 1)))
          .as(reserved)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("a member named " + reserved);
      assertThatThrownBy(() -> store.apply("b", state -> state.put(reserved, 1)))
          .as(reserved + " on a new session")
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(store.get("a")).contains(first);
    assertThat(store.get("b")).isEmpty();
    assertThat(delivered).containsExactly(first);
    SessionUpdate next = store.apply("a", SessionStoreContract::count);
    assertThat(next.state().path("count").asInt())
        .as("the refused changes left no trace")
        .isEqualTo(2);
  }

  @Test
  void apply_changeThatThrows_propagates_andChangesNothing() {
    SessionStore store = store();
    SessionUpdate first = store.apply("a", SessionStoreContract::count);

    assertThatThrownBy(
            () ->
                store.apply(
                    "a",
                    state -> {
                      throw new IllegalStateException("a hook the change cannot read");
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a hook the change cannot read");
    assertThat(store.get("a")).contains(first);
    assertThat(delivered).containsExactly(first);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "a\nb", "a\rb", "tab\there", "nul\u0000"})
  void apply_badSessionId_isRefusedNamingIt_andNothingIsStored(String id) {
    SessionStore store = store();
    assertThatThrownBy(() -> store.apply(id, SessionStoreContract::count))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sessionId");
    assertThatThrownBy(() -> store.remove(id)).isInstanceOf(IllegalArgumentException.class);
    assertThat(store.snapshot()).isEmpty();
    assertThat(delivered).isEmpty();
  }

  @Test
  void apply_nullOrTooLongSessionId_isRefused_andNothingIsStored() {
    SessionStore store = store();
    assertThatThrownBy(() -> store.apply(null, SessionStoreContract::count))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("sessionId");
    String tooLong = "x".repeat(SessionStore.MAX_SESSION_ID_LENGTH + 1);
    assertThatThrownBy(() -> store.apply(tooLong, SessionStoreContract::count))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("257 chars");
    assertThat(store.apply("x".repeat(SessionStore.MAX_SESSION_ID_LENGTH), s -> s).version())
        .isPositive();
    assertThat(delivered).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "with space", "slash/no", "colon:ok-but-\u00e9"})
  void apply_badChangeId_isRefused_andNothingIsStored(String changeId) {
    SessionStore store = store();
    assertThatThrownBy(() -> store.apply("a", changeId, SessionStoreContract::count))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("changeId");
    String tooLong = "x".repeat(SessionStore.MAX_CHANGE_ID_LENGTH + 1);
    assertThatThrownBy(() -> store.apply("a", tooLong, SessionStoreContract::count))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(delivered).isEmpty();
  }

  @Test
  void apply_sameChangeIdTwice_isMadeOnce_andTheRepeatReturnsTheSessionAsItIs() {
    SessionStore store = store();
    SessionUpdate made = store.apply("a", "hook-1", SessionStoreContract::count);
    SessionUpdate repeat = store.apply("a", "hook-1", SessionStoreContract::count);
    SessionUpdate other = store.apply("a", "hook-2", SessionStoreContract::count);

    assertThat(repeat).isEqualTo(made);
    assertThat(other.state().path("count").asInt()).isEqualTo(2);
    assertThat(delivered).containsExactly(made, other);
  }

  @Test
  void remove_deliversATombstoneNewerThanTheState_andRecreationGoesOnGrowing() {
    SessionStore store = store();
    SessionUpdate live = store.apply("a", SessionStoreContract::count);
    SessionUpdate tombstone = store.remove("a").orElseThrow();
    SessionUpdate reborn = store.apply("a", SessionStoreContract::count);

    assertThat(tombstone.isTombstone()).isTrue();
    assertThat(tombstone.version()).isGreaterThan(live.version());
    assertThat(reborn.version()).isGreaterThan(tombstone.version());
    assertThat(reborn.state().path("count").asInt()).as("recreated from nothing").isEqualTo(1);
    assertThat(store.remove("missing")).isEmpty();
    assertThat(delivered).containsExactly(live, tombstone, reborn);
  }

  @Test
  void subscribe_replaysEveryLiveSessionFirst_thenEveryLaterChange() {
    SessionStore store = store();
    SessionUpdate a = store.apply("a", SessionStoreContract::count);
    store.apply("gone", SessionStoreContract::count);
    store.remove("gone");
    SessionUpdate b = store.apply("b", SessionStoreContract::count);
    List<SessionUpdate> late = new CopyOnWriteArrayList<>();

    store.subscribe(late::add);
    SessionUpdate c = store.apply("c", SessionStoreContract::count);

    assertThat(late).containsExactly(a, b, c);
  }

  @Test
  void subscriberThatThrows_affectsNeitherTheChangeNorTheOtherSubscribers() {
    SessionStore store = store();
    store.subscribe(
        update -> {
          throw new IllegalStateException("a subscriber bug");
        });
    SessionUpdate made = store.apply("a", SessionStoreContract::count);

    assertThat(store.get("a")).contains(made);
    assertThat(delivered).containsExactly(made);
  }

  @Test
  void snapshot_isEveryLiveSession_orderedById() {
    SessionStore store = store();
    for (String id : List.of("c", "a", "b")) {
      store.apply(id, SessionStoreContract::count);
    }
    store.remove("b");

    assertThat(store.snapshot()).extracting(SessionUpdate::sessionId).containsExactly("a", "c");
    assertThat(store.size()).isEqualTo(2);
  }

  @Test
  void applyAsync_completesWithTheUpdate_orExceptionally_andRefusesBadArgumentsAtOnce() {
    SessionStore store = store();
    SessionUpdate made =
        store.applyAsync("a", "async-1", SessionStoreContract::count).toCompletableFuture().join();
    assertThat(made.state().path("count").asInt()).isEqualTo(1);

    assertThatThrownBy(
            () -> store.applyAsync("a", "async-2", state -> null).toCompletableFuture().join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.applyAsync(" ", "async-3", SessionStoreContract::count))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(delivered).containsExactly(made);
  }

  @Test
  void expireAfter_endsSessionsByState_andDeliversTheirTombstones() {
    SessionStore store =
        store(
            state ->
                "ended".equals(state.path("status").asString()) ? Duration.ofMinutes(5) : null);
    store.apply("working", state -> state.put("status", "working"));
    SessionUpdate ended = store.apply("ended", state -> state.put("status", "ended"));

    elapse(store, Duration.ofMinutes(6));
    awaitExpiry(store, "ended");

    assertThat(store.snapshot()).extracting(SessionUpdate::sessionId).containsExactly("working");
    SessionUpdate last = delivered.get(delivered.size() - 1);
    assertThat(last.sessionId()).isEqualTo("ended");
    assertThat(last.isTombstone()).isTrue();
    assertThat(last.version()).isGreaterThan(ended.version());
  }

  @Test
  void close_isIdempotent_thenRefusesChanges_whileReadsStillAnswer() {
    SessionStore store = store();
    SessionUpdate made = store.apply("a", SessionStoreContract::count);

    store.close();
    store.close();

    assertThatThrownBy(() -> store.apply("a", SessionStoreContract::count))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> store.remove("a")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.subscribe(u -> {})).isInstanceOf(IllegalStateException.class);
    assertThat(store.get("a")).contains(made);
    assertThat(store.snapshot()).containsExactly(made);
    assertThat(delivered).containsExactly(made);
  }
}
