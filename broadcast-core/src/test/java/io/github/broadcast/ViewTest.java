package io.github.broadcast;

import static io.github.broadcast.BroadcasterContractTest.update;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The view as a change log: what changed after a cursor, the latest of each, removals too. */
final class ViewTest {

  private final View view = new View(/* maxTombstones= */ 2);

  private static List<String> ids(List<View.Entry> entries) {
    return entries.stream().map(e -> e.update.sessionId() + "@" + e.seq).toList();
  }

  @Test
  void changedSince_givesTheLatestOfEachSessionChangedAfterTheCursor_inChangeOrder() {
    view.apply(update("a", 1), 0); // 1
    view.apply(update("b", 1), 0); // 2
    long cursor = view.head();
    view.apply(update("a", 2), 0); // 3
    view.apply(update("c", 1), 0); // 4
    view.apply(update("a", 3), 0); // 5

    assertThat(ids(view.changedSince(cursor))).containsExactly("c@4", "a@5");
    assertThat(ids(view.changedSince(0))).containsExactly("b@2", "c@4", "a@5");
    assertThat(view.changedSince(view.head())).isEmpty();
  }

  @Test
  void aRemovalIsServedAsItsTombstone_andLiveLeavesItOut() {
    view.apply(update("a", 1), 0);
    long cursor = view.head();
    view.apply(SessionUpdate.tombstone("a", 2), 0);
    view.apply(update("b", 1), 0);

    assertThat(view.changedSince(cursor))
        .extracting(e -> e.update)
        .containsExactly(SessionUpdate.tombstone("a", 2), update("b", 1));
    assertThat(view.live()).extracting(e -> e.update.sessionId()).containsExactly("b");
    assertThat(view.get("a").isTombstone()).isTrue();
  }

  @Test
  void aCursorFromBeforeADroppedTombstone_isForgotten_laterOnesAreNot() {
    view.apply(update("a", 1), 0);
    long before = view.head();
    view.apply(SessionUpdate.tombstone("a", 2), 0);
    long between = view.head();
    view.apply(SessionUpdate.tombstone("b", 3), 0);
    view.apply(SessionUpdate.tombstone("c", 4), 0); // Three tombstones: a's is dropped.

    assertThat(view.get("a")).isNull();
    assertThat(view.remembers(before)).as("it would miss a's removal").isFalse();
    assertThat(view.remembers(between)).isTrue();
    assertThat(ids(view.changedSince(between))).containsExactly("b@3", "c@4");
  }

  @Test
  void aTombstoneSupersededByARevival_isDroppedWithoutForgettingAnything() {
    view.apply(SessionUpdate.tombstone("a", 1), 0);
    long before = view.head();
    view.apply(update("a", 2), 0); // Revived: its tombstone no longer matters.
    view.apply(SessionUpdate.tombstone("b", 3), 0);
    view.apply(SessionUpdate.tombstone("c", 4), 0);

    assertThat(view.remembers(before)).isTrue();
    assertThat(ids(view.changedSince(before))).containsExactly("a@2", "b@3", "c@4");
  }

  @Test
  void updates_theOldestOrigin_isWhenTheLongestWaitingWasAccepted() {
    view.apply(update("a", 1), 30);
    view.apply(update("b", 1), 10);
    view.apply(update("c", 1), 20);
    assertThat(View.updates(view.changedSince(0)).originNanos()).isEqualTo(10);
  }

  @Test
  void resumeCursor_isAPositionTheClientIsSurelyPast_evenOnceCheckpointsAreThinned() {
    View small =
        new View(/* maxTombstones= */ 100, /* maxCheckpoints= */ 4, /* tracksTopics= */ false);
    for (int version = 1; version <= 40; version++) {
      small.apply(update("s" + version % 7, version), 0); // Position == version here.
    }
    for (long version = 1; version <= 40; version++) {
      long cursor = small.resumeCursor(version);
      if (cursor >= 0) {
        assertThat(cursor).as("for v%d", version).isLessThanOrEqualTo(version);
      }
    }
    assertThat(small.resumeCursor(40)).as("the newest checkpoint is always kept").isEqualTo(40);
    assertThat(small.resumeCursor(41)).as("a version never applied").isEqualTo(-1);
    assertThat(small.resumeCursor(1)).as("thinned away: cannot be placed").isEqualTo(-1);
  }
}
