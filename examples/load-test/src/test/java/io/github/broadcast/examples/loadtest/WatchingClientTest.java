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
}
