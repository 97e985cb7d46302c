package io.github.broadcast;

import static io.github.broadcast.BroadcasterContractTest.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.RecordingClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One outbox on its own, against a small engine of the test's (a view, a codec, a recording of what
 * the outbox reports): pacing, coalescing by cursor, control frames and the deadlines, without a
 * broadcaster around it.
 */
final class OutboxTest {

  private static final OutboxLimits LIMITS = new OutboxLimits(4_096, 4, Duration.ofSeconds(30));

  private final FakeTicker ticker = new FakeTicker();
  private final MessageCodec codec = MessageCodec.json();
  private View view = new View(100);
  private final TestHost host = new TestHost();
  private RecordingClient client;
  private Outbox outbox;
  private double load; // This server's CPU load, as the budget reads it.

  private Outbox outbox(RecordingClient client, boolean paced, OverflowPolicy policy) {
    this.client = client;
    Outbox.Settings settings =
        new Outbox.Settings(
            ticker,
            LIMITS,
            policy,
            TimeUnit.SECONDS.toNanos(30),
            /* pingIntervalNanos= */ 0,
            /* silenceNanos= */ 0,
            paced);
    outbox =
        new Outbox(
            host, settings, client, client.canSendThenPing(), false, initialState(), ticker.read());
    outbox.drain();
    return outbox;
  }

  private Frame initialState() {
    return codec.initialState(View.updates(view.live()));
  }

  /** Publishes {@code update} to the one outbox, as the engine does under its registry lock. */
  private void publish(SessionUpdate update) {
    long now = ticker.read();
    long seq = view.apply(update, now).seq;
    if (outbox.passesBy()) {
      return;
    }
    Broadcast broadcast =
        new Broadcast(
            codec.sessionUpdate(update), null, List.of(update), false, now, now, null, seq);
    broadcast.expect(1);
    int result = outbox.enqueue(broadcast, now);
    if (result == Outbox.QUEUED) {
      broadcast.queued();
    }
    broadcast.offered();
    if (result != Outbox.PASSED) {
      outbox.drain();
    }
  }

  /** The client answers its latest ping, as a WebSocket client does after what came before. */
  private void pong() {
    if (outbox.pong(ticker.read())) {
      outbox.drain();
    }
  }

  @Test
  void paced_anIdleClientTakesAnUpdateAtOnce_thenUpdatesPassItByUntilItsPong() {
    outbox(new RecordingClient("c"), /* paced= */ true, OverflowPolicy.CONFLATE);
    assertThat(client.types()).containsExactly("initial_state");
    assertThat(client.pings()).as("pinged after its first frame").isEqualTo(1);
    pong();

    publish(update("a", 1));
    assertThat(client.types()).containsExactly("initial_state", "session_update");
    assertThat(client.pings()).isEqualTo(2);

    publish(update("a", 2));
    publish(update("b", 1));
    publish(update("a", 3));
    assertThat(client.types()).as("not consumed yet: nothing more").hasSize(2);
    assertThat(outbox.held().chargedBytes()).as("a cursor, no bytes").isZero();
    assertThat(Outbox.owes(outbox.held().owedSince())).isTrue();

    pong();
    assertThat(client.types()).containsExactly("initial_state", "session_update", "batch_update");
    assertThat(client.view()).containsEntry("a", 3L).containsEntry("b", 1L);
    assertThat(client.live())
        .as("the catch-up carries the latest of each, in the order they changed")
        .extracting(e -> e.getKey() + e.getValue())
        .containsExactly("a1", "b1", "a3");
    assertThat(host.dropped).as("pacing drops nothing").isZero();
  }

  @Test
  void paced_aPongBeforeThePing_provesNothing() {
    outbox(new RecordingClient("c").stall(), /* paced= */ true, OverflowPolicy.CONFLATE);
    publish(update("a", 1)); // initial_state is in flight, held: a cursor.
    pong(); // Unsolicited: no ping was sent yet.
    assertThat(client.types()).containsExactly("initial_state");
    client.resume(); // Now the ping goes, after initial_state.
    assertThat(client.types()).containsExactly("initial_state");
    pong();
    assertThat(client.types()).containsExactly("initial_state", "batch_update");
  }

  @Test
  void paced_aPongReplyIsAControlFrame_itGoesWhileTheWindowIsClosed() {
    outbox(new RecordingClient("c"), /* paced= */ true, OverflowPolicy.CONFLATE);
    publish(update("a", 1));
    outbox.owePong(ticker.read()); // The client sent a text "ping".
    outbox.drain();
    assertThat(client.types()).containsExactly("initial_state", "pong");
    pong();
    assertThat(client.types()).containsExactly("initial_state", "pong", "batch_update");
  }

  @Test
  void paced_anAckingClientIsPacedByItsAcks_notItsPongs() {
    RecordingClient acking = new RecordingClient("c").acknowledging();
    outbox(acking, /* paced= */ true, OverflowPolicy.CONFLATE);
    assertThat(acking.pings()).as("no pacing ping").isZero();
    publish(update("a", 1));
    pong();
    assertThat(acking.types()).containsExactly("initial_state");
    assertThat(outbox.ack(1, ticker.read())).isTrue();
    outbox.drain();
    assertThat(acking.types()).containsExactly("initial_state", "batch_update");
    assertThat(outbox.ack(1, ticker.read())).as("a repeat proves nothing").isFalse();
  }

  @Test
  void paced_behindForLongerThanTheGrace_isClosedAsTooSlow_butNotBefore() {
    outbox(new RecordingClient("c"), /* paced= */ true, OverflowPolicy.CONFLATE);
    pong();
    publish(update("a", 1));
    publish(update("a", 2)); // Behind from here: owed a catch-up it has not consumed room for.
    ticker.advance(Duration.ofSeconds(30));
    assertThat(outbox.check(ticker.read())).isNull();
    ticker.advance(Duration.ofMillis(1));
    assertThat(outbox.check(ticker.read())).isEqualTo(CloseReason.TOO_SLOW);
  }

  @Test
  void paced_aClientThatTakesItsCatchUpsIsNeverBehindForLong() {
    outbox(new RecordingClient("c"), /* paced= */ true, OverflowPolicy.CONFLATE);
    for (int second = 0; second < 120; second++) {
      publish(update("a", 2 * second + 1));
      publish(update("a", 2 * second + 2));
      ticker.advance(Duration.ofSeconds(1));
      pong(); // A slow link: one round trip a second.
      assertThat(outbox.check(ticker.read())).isNull();
    }
    assertThat(client.view()).containsEntry("a", 240L);
  }

  @Test
  void paced_beforeItsFirstProof_aFrameUnprovenForASecondCountsAsConsumed() {
    outbox(new RecordingClient("c"), /* paced= */ true, OverflowPolicy.CONFLATE);
    publish(update("a", 1));
    ticker.advance(Duration.ofMillis(999));
    outbox.check(ticker.read());
    assertThat(client.types()).containsExactly("initial_state");
    ticker.advance(Duration.ofMillis(2));
    outbox.check(ticker.read());
    assertThat(client.types()).containsExactly("initial_state", "batch_update");
  }

  @Test
  void paced_whileTheBudgetIsLimited_aClientCoalescesAndWaitsItsTurnForAToken() {
    outbox(new RecordingClient("c"), /* paced= */ true, OverflowPolicy.CONFLATE);
    pong();
    load = 0.95;
    host.budget.tryTake(ticker.read());
    host.budget.adjust(TimeUnit.SECONDS.toNanos(1), ticker.read(), 1); // One a second.

    publish(update("a", 1));
    publish(update("a", 2));
    assertThat(client.types()).as("no token yet: it waits, coalescing").hasSize(1);
    assertThat(outbox.held().waitingForBudget()).isTrue();
    assertThat(host.releases).as("the engine was told to release it").isEqualTo(1);

    ticker.advance(Duration.ofMillis(900));
    host.budget.release(ticker.read());
    assertThat(client.types()).as("a tenth of a token is not one").hasSize(1);
    ticker.advance(Duration.ofMillis(200));
    host.budget.release(ticker.read());
    assertThat(client.types()).containsExactly("initial_state", "batch_update");
    assertThat(client.view()).containsEntry("a", 2L);
    assertThat(outbox.held().waitingForBudget()).isFalse();
  }

  @Test
  void aTransportWithoutPings_isPacedByItsCompletions() {
    RecordingClient noPings = new RecordingClient("c").withoutPings();
    outbox(noPings, /* paced= */ true, OverflowPolicy.CONFLATE);
    publish(update("a", 1));
    publish(update("a", 2));
    assertThat(noPings.types())
        .containsExactly("initial_state", "session_update", "session_update");
    assertThat(outbox.held().proof()).isEqualTo(ClientClock.Proof.COMPLETION);
  }

  @Test
  void unpaced_pastTheLimit_conflateKeepsACursor_andTheCatchUpCountsWhatItCoalesced() {
    outbox(new RecordingClient("c"), /* paced= */ false, OverflowPolicy.CONFLATE);
    client.stall();
    for (int v = 1; v <= 8; v++) {
      publish(update("a", v)); // 1 in flight, 4 queued, then past maxFrames.
    }
    assertThat(outbox.held().queued()).isEmpty();
    assertThat(Outbox.owes(outbox.held().owedSince())).isTrue();
    client.resume();
    assertThat(client.types()).containsExactly("initial_state", "session_update", "batch_update");
    assertThat(client.view()).containsEntry("a", 8L);
    assertThat(host.dropped).as("versions 2 to 7 coalesced away").isEqualTo(6);
  }

  @Test
  void unpaced_pastTheLimit_dropAndResync_sendsASnapshot() {
    outbox(new RecordingClient("c"), /* paced= */ false, OverflowPolicy.DROP_AND_RESYNC);
    client.stall();
    for (int v = 1; v <= 8; v++) {
      publish(update("a", v));
    }
    client.resume();
    assertThat(client.types()).containsExactly("initial_state", "session_update", "initial_state");
    assertThat(client.view()).containsEntry("a", 8L);
  }

  @Test
  void aCursorFromBeforeADroppedTombstone_isSentAResyncInstead() {
    view = new View(/* maxTombstones= */ 1);
    view.apply(update("a", 1), 0);
    outbox(new RecordingClient("c"), /* paced= */ true, OverflowPolicy.CONFLATE);
    pong();
    publish(update("x", 1)); // Sent at once; the window closes.
    publish(SessionUpdate.tombstone("a", 2));
    publish(SessionUpdate.tombstone("b", 3)); // a's tombstone is dropped.
    pong();
    assertThat(client.types()).last().isEqualTo("initial_state");
    assertThat(client.view()).doesNotContainKey("a").containsKey("x");
  }

  /** The engine's side, as small as an outbox needs it. */
  private final class TestHost implements Outbox.Host {
    final FrameBudget budget = new FrameBudget(() -> load);
    int dropped;
    int releases;
    final List<CloseReason> closes = new ArrayList<>();

    @Override
    public void fault(String where, Client client, Throwable error) {
      throw new AssertionError("a fault in " + where, error);
    }

    @Override
    public boolean installResync(Outbox outbox) {
      outbox.installResync(codec.initialState(View.updates(view.live())));
      return true;
    }

    @Override
    public View.Updates takeCatchUp(Outbox outbox) {
      long cursor = outbox.owedCursor();
      if (!Outbox.owes(cursor)) {
        return null;
      }
      if (!view.remembers(cursor)) {
        outbox.cursorForgotten(view.head() - cursor);
        return null;
      }
      List<View.Entry> changed = view.changedSince(cursor);
      outbox.catchUpTaken(view.head() - cursor - changed.size());
      return View.updates(changed);
    }

    @Override
    public Frame encodePong(Client client) {
      return codec.pong();
    }

    @Override
    public Frame encodeCatchUp(Client client, List<SessionUpdate> latest) {
      return codec.batchUpdate(latest);
    }

    @Override
    public void sent(Outbox outbox, Frame frame, long latencyNanos) {}

    @Override
    public void broadcastDone(Broadcast broadcast, long nowNanos, String clientId) {}

    @Override
    public void updatesDropped(Client client, int updates) {
      dropped += updates;
    }

    @Override
    public void logSendFailure(Client client, Throwable error) {}

    @Override
    public void clientClosed(Outbox outbox, CloseReason reason) {
      closes.add(reason);
    }

    @Override
    public void remove(Outbox outbox) {}

    @Override
    public FrameBudget budget() {
      return budget;
    }

    @Override
    public void budgetWaiting() {
      releases++;
    }
  }
}
