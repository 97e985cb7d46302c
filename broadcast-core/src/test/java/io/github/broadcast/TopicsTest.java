package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.testing.RecordingClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Topics end to end on a broadcaster: who receives what, a session that moves, a change of topics,
 * encodings per scope (once per publish for all clients of equal topics, none for a topic nobody
 * receives), resumes across topics, and the {@link Topics} value itself. The property suite checks
 * the same promises under random interleavings.
 */
final class TopicsTest {

  private static final ObjectMapper mapper = new ObjectMapper();
  private final Broadcaster broadcaster =
      Broadcasters.newBuilder()
          .topics(update -> update.state().path("project").asString(null))
          .build();

  @AfterEach
  void close() {
    broadcaster.close();
  }

  private static ObjectNode card(String project, int events) {
    ObjectNode card = mapper.createObjectNode().put("event_count", events);
    return project == null ? card : card.put("project", project);
  }

  private static JsonNode json(String text) {
    return mapper.readTree(text);
  }

  private static RecordingClient watching(String id, Topics topics) {
    return new RecordingClient(id).watching(topics, "project");
  }

  @Test
  void aClientReceivesOnlyItsTopics_inItsInitialStateAndUpdates_andEveryTopicByDefault() {
    broadcaster.publish(SessionUpdate.of("a1", 1, card("alpha", 1)));
    broadcaster.publish(SessionUpdate.of("b1", 2, card("beta", 1)));
    broadcaster.publish(SessionUpdate.of("n1", 3, card(null, 1)));
    RecordingClient alpha = watching("alpha", Topics.of("alpha"));
    RecordingClient both = watching("both", Topics.matching("*a"));
    RecordingClient everything = new RecordingClient("everything");
    broadcaster.register(alpha);
    broadcaster.register(both);
    broadcaster.register(everything);

    broadcaster.publish(SessionUpdate.of("a2", 4, card("alpha", 1)));
    broadcaster.publish(SessionUpdate.of("b1", 5, card("beta", 2)));
    broadcaster.publish(SessionUpdate.tombstone("b1", 6));

    assertThat(alpha.view()).containsOnlyKeys("a1", "a2");
    assertThat(alpha.mentioned()).containsOnly("a1", "a2");
    assertThat(both.view()).containsOnlyKeys("a1", "a2");
    assertThat(both.mentioned()).containsOnly("a1", "a2", "b1");
    assertThat(everything.view()).containsOnlyKeys("a1", "a2", "n1");
    for (RecordingClient client : List.of(alpha, both, everything)) {
      client.assertConsistent(); // Initial state first, versions forward, within its topics.
    }
    assertThat(broadcaster.subscribers())
        .containsExactly(entry("(all)", 1), entry("*a", 1), entry("alpha", 1));
  }

  @Test
  void aSessionThatMoves_leavesTheOldTopicAsARemoval_andReachesTheNewOneWhole() {
    broadcaster.publish(SessionUpdate.of("s", 1, card("alpha", 1)));
    RecordingClient alpha = watching("alpha", Topics.of("alpha")).receivingPatches();
    RecordingClient beta = watching("beta", Topics.of("beta")).receivingPatches();
    broadcaster.register(alpha);
    broadcaster.register(beta);

    broadcaster.publish(SessionUpdate.of("s", 2, card("alpha", 2))); // A patch for alpha.
    broadcaster.publish(SessionUpdate.of("s", 3, card("beta", 3))); // Moves.
    broadcaster.publish(SessionUpdate.of("s", 4, card("beta", 4))); // A patch for beta.

    assertThat(alpha.frames())
        .last()
        .satisfies(
            frame ->
                assertThat(json(frame))
                    .isEqualTo(
                        json(
                            "{\"type\":\"session_update\",\"session\":"
                                + "{\"session_id\":\"s\",\"version\":3,\"removed\":true}}")));
    assertThat(alpha.view()).isEmpty();
    assertThat(json(beta.frames().get(1)).path("session").has("patch"))
        .as("the session arrives whole: beta never held its base")
        .isFalse();
    assertThat(json(beta.frames().get(2)).path("session").path("base").asLong()).isEqualTo(3);
    assertThat(beta.view()).containsExactly(entry("s", 4L));
    alpha.assertConsistent();
    beta.assertConsistent();
  }

  @Test
  void eachPublishIsEncodedOncePerTopicsOfItsClients_andNotAtAllForATopicNobodyReceives() {
    for (int i = 0; i < 10; i++) {
      broadcaster.register(watching("alpha" + i, Topics.of("alpha")));
    }
    broadcaster.register(watching("beta", Topics.of("beta")));
    long before = broadcaster.stats().framesEncoded();

    broadcaster.publish(SessionUpdate.of("a", 1, card("alpha", 1)));
    assertThat(broadcaster.stats().framesEncoded() - before).as("one for ten clients").isOne();

    broadcaster.publish(SessionUpdate.of("g", 2, card("gamma", 1)));
    assertThat(broadcaster.stats().framesEncoded() - before).as("none for gamma").isOne();
  }

  @Test
  void subscribe_sendsAnInitialStateOfTheNewTopics_thenOnlyTheirUpdates() {
    broadcaster.publish(SessionUpdate.of("a", 1, card("alpha", 1)));
    broadcaster.publish(SessionUpdate.of("b", 2, card("beta", 1)));
    RecordingClient page = watching("page", Topics.of("alpha"));
    broadcaster.register(page);
    assertThat(page.view()).containsOnlyKeys("a");

    page.subscribed(Topics.of("beta"));
    broadcaster.subscribe(page, Topics.of("beta"));
    broadcaster.publish(SessionUpdate.of("a", 3, card("alpha", 2)));
    broadcaster.publish(SessionUpdate.of("b", 4, card("beta", 2)));

    assertThat(page.types()).containsExactly("initial_state", "initial_state", "session_update");
    assertThat(page.view()).containsExactly(entry("b", 4L));
    assertThat(broadcaster.subscribers()).containsExactly(entry("beta", 1));
    page.assertConsistent();
  }

  @Test
  void aResumeWithTheSameTopicsSendsWhatChangedInThem_andWithOtherTopicsTheirWholeView() {
    for (int i = 0; i < 5; i++) {
      broadcaster.publish(SessionUpdate.of("x" + i, 1 + i, card("alpha", 1)));
    }
    broadcaster.publish(SessionUpdate.of("a", 6, card("alpha", 1)));
    broadcaster.publish(SessionUpdate.of("b", 7, card("beta", 1)));
    RecordingClient page = watching("page", Topics.of("alpha"));
    broadcaster.register(page);
    broadcaster.unregister(page);
    broadcaster.publish(SessionUpdate.of("a", 8, card("beta", 2))); // Moves out of alpha.
    broadcaster.publish(SessionUpdate.of("c", 9, card("alpha", 1)));
    broadcaster.publish(SessionUpdate.of("b", 10, card("beta", 3)));

    RecordingClient back = new RecordingClient("back").resuming(page, null);
    broadcaster.register(back);
    JsonNode resumed = json(back.frames().get(0));
    assertThat(resumed.path("since").asLong()).isEqualTo(6);
    assertThat(resumed.path("sessions"))
        .isEqualTo(
            json(
                "[{\"session_id\":\"a\",\"version\":8,\"removed\":true},"
                    + "{\"session_id\":\"c\",\"version\":9,\"event_count\":1,"
                    + "\"project\":\"alpha\"}]"));
    assertThat(back.view()).containsOnlyKeys("x0", "x1", "x2", "x3", "x4", "c");

    // The same point with other topics: the epoch names the topics it was read in.
    RecordingClient other = new RecordingClient("other").resuming(page, null);
    other.watching(Topics.of("beta"), "project");
    broadcaster.register(other);
    assertThat(json(other.frames().get(0)).has("since")).isFalse();
    assertThat(other.view()).containsOnlyKeys("a", "b");
    back.assertConsistent();
    other.assertConsistent();
  }

  /**
   * A resume's cursor is a position the client is surely past, not where it is: when versions
   * arrive out of publish order (two publishers, two nodes), it may be earlier. A session that came
   * into the client's topic after the cursor, and left again while it was away, must still reach it
   * as a removal (found in review).
   */
  @Test
  void aResumeWhoseCursorIsEarlierThanTheClient_stillRemovesASessionThatLeftItsTopic() {
    broadcaster.publish(SessionUpdate.of("s2", 1, card("beta", 1)));
    broadcaster.publish(SessionUpdate.of("s1", 2, card("alpha", 1).put("notes", "n".repeat(500))));
    RecordingClient page = watching("page", Topics.of("alpha"));
    broadcaster.register(page);
    broadcaster.publish(SessionUpdate.of("x", 4, card("beta", 1))); // Out of version order:
    broadcaster.publish(SessionUpdate.of("s2", 3, card("alpha", 2))); // v3 after v4.
    assertThat(page.view()).containsOnlyKeys("s1", "s2");
    broadcaster.unregister(page);
    broadcaster.publish(SessionUpdate.of("s2", 5, card("beta", 3))); // Leaves alpha meanwhile.

    RecordingClient back = new RecordingClient("back").resuming(page, null);
    broadcaster.register(back);
    assertThat(back.resumeFrom().version()).isEqualTo(3);
    assertThat(json(back.frames().get(0)).path("since").asLong()).isEqualTo(3);
    assertThat(back.view()).containsOnlyKeys("s1");
    back.assertConsistent();
  }

  /** A removal names a session only to a client that held it live in its topics (review). */
  @Test
  void aSessionRemovedBeforeTheClientCame_andCreatedAgainElsewhere_isNeverNamedToIt() {
    broadcaster.publish(SessionUpdate.of("s", 1, card("alpha", 1)));
    broadcaster.publish(SessionUpdate.tombstone("s", 2));
    RecordingClient alpha = watching("alpha", Topics.of("alpha"));
    broadcaster.register(alpha);
    broadcaster.publish(SessionUpdate.of("s", 3, card("beta", 1)));
    broadcaster.publish(SessionUpdate.tombstone("s", 4));
    broadcaster.publish(SessionUpdate.of("a", 5, card("alpha", 1)));
    assertThat(alpha.view()).containsOnlyKeys("a");
    assertThat(alpha.mentioned()).containsOnly("a");
  }

  @Test
  void aTopicFunctionThatThrows_isAFault_andPutsTheSessionInNoTopic() {
    try (Broadcaster failing =
        Broadcasters.newBuilder()
            .topics(
                update -> {
                  throw new IllegalStateException("injected");
                })
            .build()) {
      RecordingClient alpha = watching("alpha", Topics.of("alpha"));
      RecordingClient everything = new RecordingClient("everything");
      failing.register(alpha);
      failing.register(everything);
      failing.publish(SessionUpdate.of("a", 1, card("alpha", 1)));
      assertThat(failing.stats().faults()).isOne();
      assertThat(alpha.view()).isEmpty();
      assertThat(everything.view()).containsOnlyKeys("a");
    }
  }

  @Test
  void aSessionThatMovedMoreOftenThanItsHistoryKeeps_sendsABehindClientAWholeView() {
    View view = new View(100, 16, /* tracksTopics= */ true);
    view.apply(SessionUpdate.of("s", 1, card("alpha", 1)), 0, "alpha");
    long cursor = view.head();
    for (int i = 0; i < View.Move.MAX_MOVES + 2; i++) {
      String topic = i % 2 == 0 ? "beta" : "gamma";
      view.apply(SessionUpdate.of("s", 2 + i, card(topic, 1)), 0, topic);
    }
    List<View.Entry> changed = view.changedSince(cursor);
    assertThat(View.project(changed, cursor, Topics.of("alpha"), false))
        .as("cannot tell whether it held s: a snapshot instead")
        .isNull();
    assertThat(View.project(changed, view.head() - 1, Topics.of("alpha"), false)).isEmpty();
    assertThat(View.project(changed, view.head() - 1, Topics.of("beta"), false))
        .extracting(e -> e.update.isTombstone())
        .containsExactly(true);
  }

  @Test
  void topics_areValues_globsMatchWholeNames_andBadNamesAreRefused() {
    assertThat(Topics.of("b", "a")).isEqualTo(Topics.of(List.of("a", "b")));
    assertThat(Topics.of("a")).isNotEqualTo(Topics.matching("a"));
    assertThat(Topics.of(List.of())).isEqualTo(Topics.none());
    assertThat(Topics.matching("team-*").includes("team-a")).isTrue();
    assertThat(Topics.matching("team-*").includes("team")).isFalse();
    assertThat(Topics.matching("a?c").includes("abc")).isTrue();
    assertThat(Topics.matching("a.c").includes("abc")).as("a dot is a dot").isFalse();
    assertThat(Topics.matching("*").includes(null)).isFalse();
    assertThat(Topics.all().includes(null)).isTrue();
    assertThat(Topics.matching("team-*").covers(Topics.of("team-a", "team-b"))).isTrue();
    assertThat(Topics.matching("team-*").covers(Topics.of("team-a", "ops"))).isFalse();
    assertThat(Topics.of("a").covers(Topics.all())).isFalse();
    assertThat(Topics.all().covers(Topics.matching("x*"))).isTrue();
    assertThat(Topics.of("a", "b").toString()).isEqualTo("Topics[a, b]");
    assertThatThrownBy(() -> Topics.of(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topic");
    assertThatThrownBy(() -> Topics.matching("x".repeat(Topics.MAX_NAME_LENGTH + 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("glob");
  }

  private static <K, V> Map.Entry<K, V> entry(K key, V value) {
    return Map.entry(key, value);
  }
}
