package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.testing.RecordingClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Resume ({@code ?since=V&epoch=E}) and patches ({@code ?delta=1}) end to end on a broadcaster: the
 * exact frames, what a client that asked for neither receives, and when a resume must fall back to
 * the whole view. The property suite checks the same promises under random interleavings.
 */
final class ResumeAndPatchTest {

  private static final ObjectMapper mapper = new ObjectMapper();
  private final Broadcaster broadcaster = Broadcasters.concurrent();

  @AfterEach
  void close() {
    broadcaster.close();
  }

  private static ObjectNode card(String status, int events) {
    return mapper
        .createObjectNode()
        .put("project", "broadcast")
        .put("cwd", "/work/broadcast")
        .put("status", status)
        .put("event_count", events);
  }

  private static JsonNode json(String text) {
    return mapper.readTree(text);
  }

  @Test
  void everyInitialStateCarriesTheEpoch_andAResumeSendsOnlyWhatChanged_removalsIncluded() {
    broadcaster.publish(SessionUpdate.of("a", 1, card("idle", 1)));
    broadcaster.publish(SessionUpdate.of("b", 2, card("idle", 1)));
    broadcaster.publish(SessionUpdate.of("c", 3, card("idle", 1)));
    RecordingClient page = new RecordingClient("page");
    broadcaster.register(page);
    String epoch = json(page.frames().get(0)).path("epoch").asString();
    assertThat(epoch).matches("[0-9a-z]{1,13}");
    broadcaster.unregister(page); // The page's link drops; meanwhile two changes.
    broadcaster.publish(SessionUpdate.of("b", 4, card("working", 2)));
    broadcaster.publish(SessionUpdate.tombstone("c", 5));

    RecordingClient back = new RecordingClient("back").resuming(page, null);
    broadcaster.register(back);

    assertThat(back.resumeFrom()).isEqualTo(new ResumePoint(epoch, 3));
    assertThat(json(back.frames().get(0)))
        .isEqualTo(
            json(
                "{\"type\":\"initial_state\",\"epoch\":\""
                    + epoch
                    + "\",\"since\":3,\"sessions\":["
                    + "{\"session_id\":\"b\",\"version\":4,\"project\":\"broadcast\","
                    + "\"cwd\":\"/work/broadcast\",\"status\":\"working\",\"event_count\":2},"
                    + "{\"session_id\":\"c\",\"version\":5,\"removed\":true}]}"));
    assertThat(back.view()).containsExactly(entry("a", 1), entry("b", 4));
    assertThat(broadcaster.stats().resumes()).isEqualTo(1);
    back.assertConsistent();
  }

  @Test
  void aResumeFromAnotherEpoch_orFromAVersionThisViewNeverReached_getsTheWholeView() {
    broadcaster.publish(SessionUpdate.of("a", 1, card("idle", 1)));
    broadcaster.publish(SessionUpdate.of("b", 2, card("idle", 1)));
    RecordingClient page = new RecordingClient("page");
    broadcaster.register(page);
    String epoch = page.epoch();

    for (ResumePoint point : List.of(new ResumePoint("elsewhere", 1), new ResumePoint(epoch, 99))) {
      RecordingClient client = new RecordingClient(point.toString()).resumingFrom(point);
      broadcaster.register(client);
      assertThat(json(client.frames().get(0)).has("since")).as("%s", point).isFalse();
      assertThat(client.frames().get(0)).isEqualTo(page.frames().get(0)); // The shared snapshot.
      assertThat(client.view()).containsExactly(entry("a", 1), entry("b", 2));
    }
    assertThat(broadcaster.stats().resumes()).isZero();
  }

  @Test
  void aResumeFromBeforeAForgottenRemoval_getsTheWholeView() {
    broadcaster.publish(SessionUpdate.of("keep", 1, card("idle", 1)));
    RecordingClient page = new RecordingClient("page");
    broadcaster.register(page);
    broadcaster.unregister(page);
    long version = 2;
    for (int i = 0; i <= FanoutBroadcaster.MAX_TOMBSTONES; i++) { // One more than are kept.
      broadcaster.publish(SessionUpdate.of("s" + i, version++, card("idle", 1)));
      broadcaster.publish(SessionUpdate.tombstone("s" + i, version++));
    }

    RecordingClient back = new RecordingClient("back").resuming(page, null);
    broadcaster.register(back);

    assertThat(json(back.frames().get(0)).has("since")).isFalse();
    assertThat(back.view()).containsExactly(entry("keep", 1));
  }

  @Test
  void aClientThatAsksForPatches_getsEachChangeAsOnePatchFromItsBase_sharedByAllSuchClients() {
    broadcaster.publish(SessionUpdate.of("a", 1, card("idle", 1)));
    RecordingClient plain = new RecordingClient("plain");
    RecordingClient one = new RecordingClient("one").receivingPatches();
    RecordingClient two = new RecordingClient("two").receivingPatches();
    broadcaster.register(plain);
    broadcaster.register(one);
    broadcaster.register(two);

    broadcaster.publish(SessionUpdate.of("a", 2, card("working", 2)));
    ObjectNode removed = card("working", 3);
    removed.remove("cwd");
    broadcaster.publish(SessionUpdate.of("a", 3, removed));
    broadcaster.publish(SessionUpdate.of("b", 4, card("idle", 1))); // New: no base, whole.

    assertThat(one.frames().subList(1, 4))
        .containsExactly(
            "{\"type\":\"session_update\",\"session\":{\"session_id\":\"a\",\"version\":2,"
                + "\"base\":1,\"patch\":{\"status\":\"working\",\"event_count\":2}}}",
            "{\"type\":\"session_update\",\"session\":{\"session_id\":\"a\",\"version\":3,"
                + "\"base\":2,\"patch\":{\"cwd\":null,\"event_count\":3}}}",
            plain.frames().get(3));
    assertThat(two.frames()).isEqualTo(one.frames()); // One encoding for both.
    // The client that did not ask: today's messages, whole states.
    assertThat(plain.frames().get(1))
        .isEqualTo(
            "{\"type\":\"session_update\",\"session\":{\"session_id\":\"a\",\"version\":2,"
                + "\"project\":\"broadcast\",\"cwd\":\"/work/broadcast\",\"status\":\"working\","
                + "\"event_count\":2}}");
    assertThat(one.sessions()).isEqualTo(plain.sessions());
    assertThat(one.patchesApplied()).isEqualTo(2);
    one.assertConsistent();
    plain.assertConsistent();
  }

  @Test
  void whenEveryClientTakesPatches_theWholeFrameIsNotEncoded_andWhenOneDoesNot_itIs() {
    broadcaster.publish(SessionUpdate.of("a", 1, card("idle", 1)));
    RecordingClient one = new RecordingClient("one").receivingPatches();
    broadcaster.register(one);
    long before = broadcaster.stats().framesEncoded();
    broadcaster.publish(SessionUpdate.of("a", 2, card("working", 2)));
    assertThat(broadcaster.stats().framesEncoded() - before).as("patches only").isEqualTo(1);

    RecordingClient plain = new RecordingClient("plain");
    broadcaster.register(plain);
    before = broadcaster.stats().framesEncoded();
    broadcaster.publish(SessionUpdate.of("a", 3, card("working", 3)));
    assertThat(broadcaster.stats().framesEncoded() - before).as("whole and patches").isEqualTo(2);
    assertThat(plain.sessions()).isEqualTo(one.sessions());
  }

  @Test
  void aChangeToNull_cannotBeAPatch_andGoesWhole() {
    broadcaster.publish(SessionUpdate.of("a", 1, card("idle", 1)));
    RecordingClient one = new RecordingClient("one").receivingPatches();
    broadcaster.register(one);

    broadcaster.publish(SessionUpdate.of("a", 2, card("idle", 1).putNull("status")));

    assertThat(json(one.frames().get(1)).path("session").has("base")).isFalse();
    assertThat(one.session("a").path("status").isNull()).isTrue();
    one.assertConsistent();
  }

  @Test
  void aBatchedBroadcaster_patchesEachFlushFromThePreviousOne() {
    Broadcaster batched = Broadcasters.batched();
    try {
      RecordingClient plain = new RecordingClient("plain");
      RecordingClient one = new RecordingClient("one").receivingPatches();
      batched.register(plain);
      batched.register(one);
      batched.publish(SessionUpdate.of("a", 1, card("idle", 1)));
      // The first flush leaves at once (all is quiet), whole: nobody held a version of a.
      await().until(() -> one.view().containsKey("a"));
      batched.publish(SessionUpdate.of("a", 2, card("working", 2)));
      batched.publish(SessionUpdate.of("a", 3, card("working", 3)));
      batched.close(); // Flushes the pending batch.

      // Each flush is a patch from what the one before left the client with.
      List<String> flushes = one.frames().subList(2, one.frames().size());
      assertThat(flushes).isNotEmpty();
      for (String flush : flushes) {
        for (JsonNode entry : json(flush).path("sessions")) {
          assertThat(entry.has("base")).as(flush).isTrue();
        }
      }
      assertThat(one.session("a").path("event_count").asInt()).isEqualTo(3);
      assertThat(one.sessions()).isEqualTo(plain.sessions());
    } finally {
      batched.close();
    }
  }

  private static Map.Entry<String, Long> entry(String id, long version) {
    return Map.entry(id, version);
  }
}
