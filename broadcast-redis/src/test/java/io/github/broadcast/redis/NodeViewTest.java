package io.github.broadcast.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.SessionUpdate;
import io.github.broadcast.redis.RedisFormat.Entry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

/** A node's view without Redis: newest wins whatever the order, replay, maxVersion. */
final class NodeViewTest {

  private final NodeView view = new NodeView();

  private static Entry live(long version) {
    return new Entry(
        version, 0, "c" + version, JsonNodeFactory.instance.objectNode().put("v", version));
  }

  @Test
  void deliver_takesOnlyNewer_whateverTheOrder_andTracksTheHighestVersion() {
    List<SessionUpdate> heard = new ArrayList<>();
    view.subscribe(heard::add);

    assertThat(view.deliver("a", live(5))).isTrue();
    assertThat(view.deliver("a", live(3))).as("older, from a late message").isFalse();
    assertThat(view.deliver("a", live(5))).as("the same, from a reread").isFalse();
    assertThat(view.deliver("a", new Entry(7, 0, "t", null))).isTrue();

    assertThat(heard).extracting(SessionUpdate::version).containsExactly(5L, 7L);
    assertThat(view.get("a").isTombstone()).isTrue();
    assertThat(view.size()).isZero();
    assertThat(view.maxVersion()).isEqualTo(7);
  }

  @Test
  void subscribe_replaysLiveSessionsById_thenHearsChanges() {
    view.deliver("b", live(2));
    view.deliver("a", live(1));
    view.deliver("gone", new Entry(3, 0, "t", null));
    List<SessionUpdate> heard = new ArrayList<>();

    view.subscribe(heard::add);
    view.deliver("c", live(4));

    assertThat(heard).extracting(SessionUpdate::sessionId).containsExactly("a", "b", "c");
  }

  @Test
  void forget_removesOnlyTheEntryItWasAskedFor() {
    Entry tombstone = new Entry(3, 0, "t", null);
    view.deliver("a", tombstone);
    view.forget("a", live(9)); // Not the one held: kept.
    assertThat(view.get("a")).isEqualTo(tombstone);
    view.forget("a", tombstone);
    assertThat(view.get("a")).isNull();
  }

  @Test
  void aSubscriberThatThrows_doesNotStopTheOthers() {
    List<SessionUpdate> heard = new ArrayList<>();
    view.subscribe(
        update -> {
          throw new IllegalStateException("a subscriber bug");
        });
    view.subscribe(heard::add);
    view.deliver("a", live(1));
    assertThat(heard).hasSize(1);
  }
}
