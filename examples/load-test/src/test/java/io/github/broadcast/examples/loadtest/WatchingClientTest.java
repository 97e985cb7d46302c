package io.github.broadcast.examples.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The client's reading of the wire protocol, and the staleness it measures from it. */
final class WatchingClientTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final HookPoster poster =
      new HookPoster(
          List.of(URI.create("http://127.0.0.1:1/")), new Scenario("t", 2, 1, 1, 0), 10, "t");
  private final StalenessHistograms histograms = new StalenessHistograms(3);
  private final Histogram histogram = histograms.overall;
  private final WatchingClient client = new WatchingClient(poster, histograms);
  private final String a = poster.sessionIds[0];
  private final String b = poster.sessionIds[1];

  @Test
  void initialState_thenUpdates_thenABatch_buildTheViewByVersion() {
    client.handle(
        "{\"type\":\"initial_state\",\"sessions\":[{\"session_id\":\""
            + a
            + "\",\"version\":3,\"event_count\":1,\"tool_detail\":{\"nested\":[1,2]}}]}",
        MS);
    client.handle(
        "{\"type\":\"session_update\",\"session\":{\"session_id\":\""
            + b
            + "\",\"version\":4,\"event_count\":1}}",
        2 * MS);
    client.handle(
        "{\"type\":\"batch_update\",\"sessions\":[{\"session_id\":\""
            + a
            + "\",\"version\":6,\"event_count\":3},{\"session_id\":\""
            + b
            + "\",\"version\":7,\"removed\":true}]}",
        3 * MS);
    client.handle(
        "{\"type\":\"session_update\",\"session\":{\"session_id\":\""
            + a
            + "\",\"version\":5,\"event_count\":2}}",
        4 * MS); // Older: the view keeps 6.

    assertThat(client.view()).isEqualTo(Map.of(a, 6L));
  }

  @Test
  void aResync_replacesTheView() {
    client.handle(
        "{\"type\":\"session_update\",\"session\":{\"session_id\":\"gone\","
            + "\"version\":2,\"event_count\":1}}",
        MS);
    client.handle(
        "{\"type\":\"initial_state\",\"sessions\":[{\"session_id\":\""
            + a
            + "\",\"version\":9,\"event_count\":4}]}",
        2 * MS);

    assertThat(client.view()).isEqualTo(Map.of(a, 9L));
  }

  @Test
  void aBatchBringingSeveralEvents_measuresEachAgainstItsSendTime_pongsAndJunkAreIgnored() {
    for (int k = 1; k <= 4; k++) {
      poster.log.sent(0, k, k * 100 * MS);
    }
    poster.log.measureFrom(0, 1);
    client.startMeasuring();

    client.handle("{\"type\":\"pong\"}", 0);
    client.handle("not json", 0);
    client.handle(
        "{\"type\":\"batch_update\",\"sessions\":[{\"session_id\":\""
            + a
            + "\",\"version\":6,\"event_count\":4}]}",
        450 * MS);

    assertThat(histogram.getTotalCount()).isEqualTo(4);
    // Event 4 was sent at 400 ms, event 1 at 100 ms; the histogram keeps 3 digits.
    assertThat((double) histogram.getMinValue() / MS).isCloseTo(50, within(0.1));
    assertThat((double) histogram.getMaxValue() / MS).isCloseTo(350, within(0.5));
    assertThat(client.frames.get()).isEqualTo(2); // The pong and the batch; not the junk.
    assertThat(client.sessionUpdates.get()).isEqualTo(1);
  }

  private static String update(String entry) {
    return "{\"type\":\"session_update\",\"session\":" + entry + "}";
  }

  private static String whole(String id, long version, long eventCount) {
    return "{\"session_id\":\""
        + id
        + "\",\"version\":"
        + version
        + ",\"status\":\"working\",\"event_count\":"
        + eventCount
        + "}";
  }

  private static String patch(String id, long version, long base, String patch) {
    return "{\"session_id\":\""
        + id
        + "\",\"version\":"
        + version
        + ",\"base\":"
        + base
        + ",\"patch\":"
        + patch
        + "}";
  }

  private void initialState(String... entries) {
    client.handle(
        "{\"type\":\"initial_state\",\"epoch\":\"e1\",\"sessions\":["
            + String.join(",", entries)
            + "]}",
        MS);
  }

  @Test
  void aPatchFromTheVersionHeld_applies_withTheEventCountItCarries_orKeepingTheOneHeld() {
    initialState(whole(a, 3, 1));
    client.startMeasuring();

    client.handle(update(patch(a, 4, 3, "{\"event_count\":2,\"status\":\"idle\"}")), MS);
    assertThat(client.view()).isEqualTo(Map.of(a, 4L));
    assertThat(client.eventCount(a)).isEqualTo(2);

    // Not carried: the count is unchanged. One nested deeper is another member's, not the state's.
    client.handle(
        update(patch(a, 5, 4, "{\"status\":\"working\",\"tool\":{\"event_count\":9}}")), MS);
    assertThat(client.view()).isEqualTo(Map.of(a, 5L));
    assertThat(client.eventCount(a)).isEqualTo(2);

    // The patch after the members, in a batch with a whole state of another session.
    client.handle(
        "{\"type\":\"batch_update\",\"sessions\":[{\"patch\":{\"event_count\":7},"
            + "\"base\":5,\"version\":6,\"session_id\":\""
            + a
            + "\"},"
            + whole(b, 7, 3)
            + "]}",
        MS);
    assertThat(client.view()).isEqualTo(Map.of(a, 6L, b, 7L));
    assertThat(client.eventCount(a)).isEqualTo(7);
    assertThat(client.eventCount(b)).isEqualTo(3);
    assertThat(client.patchesApplied.get()).isEqualTo(3);
    assertThat(client.patchMisses.get()).isZero();
    assertThat(client.sessionUpdates.get()).isEqualTo(4);
  }

  @Test
  void aPatchCarryingTheEventCount_measuresStaleness_likeAWholeState() {
    for (int k = 1; k <= 3; k++) {
      poster.log.sent(0, k, k * 100 * MS);
    }
    poster.log.measureFrom(0, 2);
    initialState(whole(a, 3, 1));
    client.startMeasuring();

    client.handle(update(patch(a, 4, 3, "{\"status\":\"idle\"}")), 250 * MS); // No count.
    assertThat(histogram.getTotalCount()).isZero();
    client.handle(update(patch(a, 5, 4, "{\"event_count\":3}")), 350 * MS);

    assertThat(histogram.getTotalCount()).isEqualTo(2); // Events 2 and 3.
    assertThat((double) histogram.getMaxValue() / MS).isCloseTo(150, within(0.5));
  }

  @Test
  void aPatchFromAnotherBase_isAMiss_andLeavesTheSessionAsHeld() {
    initialState(whole(a, 5, 2));

    client.handle(update(patch(a, 7, 6, "{\"event_count\":4}")), MS); // Holds 5, not 6.
    client.handle(update(patch(b, 2, 1, "{\"event_count\":1}")), MS); // Holds no b at all.

    assertThat(client.patchMisses.get()).isEqualTo(2);
    assertThat(client.patchesApplied.get()).isZero();
    assertThat(client.view()).isEqualTo(Map.of(a, 5L));
    assertThat(client.eventCount(a)).isEqualTo(2);
    assertThat(client.eventCount(b)).isEqualTo(-1);
  }

  @Test
  void theVersionRule_dropsWhatIsNotNewer_patchesIncluded_withoutCountingAMiss() {
    initialState(whole(a, 5, 2));
    client.handle(update(patch(a, 6, 5, "{\"event_count\":3}")), MS);

    client.handle(update(patch(a, 6, 5, "{\"event_count\":3}")), MS); // A repeat.
    client.handle(update(patch(a, 5, 4, "{\"event_count\":9}")), MS); // Older, other base.
    client.handle(update(whole(a, 4, 1)), MS); // Older, whole.

    assertThat(client.view()).isEqualTo(Map.of(a, 6L));
    assertThat(client.eventCount(a)).isEqualTo(3);
    assertThat(client.patchMisses.get()).isZero();
  }

  @Test
  void aTombstone_dropsTheSession_noPatchAppliesToIt_andOnlyANewerStateBringsItBack() {
    initialState(whole(a, 5, 2), whole(b, 1, 1));

    client.handle(update("{\"session_id\":\"" + a + "\",\"version\":6,\"removed\":true}"), MS);
    assertThat(client.view()).isEqualTo(Map.of(b, 1L));

    client.handle(update(whole(a, 5, 2)), MS); // Older than the tombstone: stays removed.
    client.handle(update(patch(a, 7, 6, "{\"event_count\":3}")), MS); // A tombstone is no base.
    assertThat(client.view()).isEqualTo(Map.of(b, 1L));
    assertThat(client.patchMisses.get()).isEqualTo(1);

    client.handle(update(whole(a, 8, 1)), MS); // Re-created: whole, then patches from it.
    client.handle(update(patch(a, 9, 8, "{\"event_count\":2}")), MS);
    assertThat(client.view()).isEqualTo(Map.of(a, 9L, b, 1L));
    assertThat(client.eventCount(a)).isEqualTo(2);
  }

  @Test
  void aResumedInitialState_mergesWhatChanged_aPlainOneReplaces() {
    initialState(whole(a, 5, 2), whole(b, 3, 1));

    client.handle(
        "{\"type\":\"initial_state\",\"epoch\":\"e1\",\"since\":5,\"sessions\":["
            + patch(b, 6, 3, "{\"event_count\":2}")
            + "]}",
        MS);
    assertThat(client.view()).isEqualTo(Map.of(a, 5L, b, 6L));
    assertThat(client.eventCount(b)).isEqualTo(2);

    initialState(whole(b, 6, 2));
    assertThat(client.view()).isEqualTo(Map.of(b, 6L));
  }

  @Test
  void wireBytes_countOnlyWhileMeasuring() {
    client.received(100);
    client.startMeasuring();
    client.received(30);
    client.received(12);

    assertThat(client.wireBytes.get()).isEqualTo(42);
  }
}
