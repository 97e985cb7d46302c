package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.ClientClock.Proof;
import io.github.broadcast.ClientClock.Verdict;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One client's pacing and liveness clock, driven with plain numbers of nanoseconds. */
final class ClientClockTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long S = TimeUnit.SECONDS.toNanos(1);

  private ClientClock clock(Proof proof) {
    return new ClientClock(proof, /* pingIntervalNanos= */ 0, /* silenceNanos= */ 0, 0);
  }

  /** Hands a data frame over and completes it at {@code nanos}. */
  private static void sent(ClientClock clock, long nanos) {
    clock.dataFrameStarted();
    clock.dataFrameCompleted(nanos);
  }

  @Test
  void pong_aDataFrameClosesTheWindow_thePingAfterItIsDue_andItsPongReopensIt() {
    ClientClock clock = clock(Proof.PONG);
    assertThat(clock.windowOpen()).isTrue();
    assertThat(clock.pingDue()).isFalse();

    sent(clock, MS);
    assertThat(clock.windowOpen()).as("one frame unproven").isFalse();
    assertThat(clock.pingDue()).as("the frame must be pinged after").isTrue();
    clock.pingHandedOver(MS);
    assertThat(clock.pingDue()).as("one ping covers it").isFalse();

    assertThat(clock.pong(2 * MS)).as("the pong proves it").isTrue();
    assertThat(clock.windowOpen()).isTrue();
    assertThat(clock.pong(3 * MS)).as("a second pong proves nothing new").isFalse();
  }

  @Test
  void pong_beforeAnyPingOrForAnOlderPing_provesNothing() {
    ClientClock clock = clock(Proof.PONG);
    sent(clock, MS);
    assertThat(clock.pong(MS)).as("early: no ping covers the frame yet").isFalse();
    assertThat(clock.windowOpen()).isFalse();

    clock.pingHandedOver(MS);
    clock.pong(2 * MS);
    sent(clock, 3 * MS); // Frame 2, not yet pinged.
    assertThat(clock.pong(4 * MS)).as("late: it answers the ping before frame 2").isFalse();
    assertThat(clock.windowOpen()).isFalse();
  }

  @Test
  void ack_provesWhatTheClientApplied_andACountBeyondWhatWasSentProvesWhatWasSent() {
    ClientClock clock = clock(Proof.ACK);
    sent(clock, MS);
    assertThat(clock.pingDue()).as("an acking client is not pinged for pacing").isFalse();
    assertThat(clock.ack(0, 2 * MS)).as("none applied yet").isFalse();
    assertThat(clock.windowOpen()).isFalse();
    assertThat(clock.ack(7, 2 * MS)).as("beyond: proves the one sent").isTrue();
    assertThat(clock.windowOpen()).isTrue();

    sent(clock, 3 * MS);
    assertThat(clock.ack(1, 4 * MS)).as("repeated: frame 2 stays unproven").isFalse();
    assertThat(clock.windowOpen()).isFalse();
    assertThat(clock.ack(2, 4 * MS)).isTrue();
  }

  @Test
  void ack_ofANewFrame_isNewWhateverPacesTheClient_soAPageThatAcksIsNotAFlood() {
    ClientClock clock = clock(Proof.COMPLETION); // A broadcaster without pacing.
    sent(clock, MS);
    assertThat(clock.ack(1, 3 * MS)).as("the first ack of frame 1").isTrue();
    assertThat(clock.ack(1, 4 * MS)).as("the same again").isFalse();
    assertThat(clock.ack(9, 4 * MS)).as("beyond what was sent, nothing new").isFalse();
    clock.dataFrameStarted();
    assertThat(clock.ack(9, 6 * MS)).as("frame 2, acknowledged by a count beyond").isTrue();
    assertThat(clock.windowOpen()).as("its completion still paces it, not the ack").isFalse();
    clock.dataFrameCompleted(7 * MS);
    assertThat(clock.windowOpen()).isTrue();
  }

  @Test
  void ack_aPongProvesNothingForAClientThatAcknowledges() {
    ClientClock clock = clock(Proof.ACK);
    sent(clock, MS);
    clock.pingHandedOver(MS); // A heartbeat.
    assertThat(clock.pong(2 * MS)).isFalse();
    assertThat(clock.windowOpen()).as("its main thread may still be busy").isFalse();
  }

  @Test
  void completion_aFrameIsConsumedWhenItsSendCompletes_andNeverPinged() {
    ClientClock clock = clock(Proof.COMPLETION);
    clock.dataFrameStarted();
    assertThat(clock.windowOpen()).as("in flight").isFalse();
    clock.dataFrameCompleted(MS);
    assertThat(clock.windowOpen()).isTrue();
    assertThat(clock.pingDue()).isFalse();
  }

  @Test
  void aTransportWithoutPings_isPacedByCompletionsFromThen() {
    ClientClock clock = clock(Proof.PONG);
    sent(clock, MS);
    clock.pingHandedOver(MS);
    clock.pingsUnsupported();
    assertThat(clock.proof()).isEqualTo(Proof.COMPLETION);
    assertThat(clock.windowOpen()).as("what it was sent counts as consumed").isTrue();
  }

  @Test
  void beforeItsFirstProof_aFrameCountsAsConsumedASecondAfterItsSendCompleted() {
    ClientClock clock = clock(Proof.PONG);
    clock.dataFrameStarted();
    assertThat(clock.check(5 * S))
        .as("still in flight: the fallback waits for the completion")
        .isEqualTo(Verdict.NOTHING);
    clock.dataFrameCompleted(5 * S);
    assertThat(clock.check(6 * S)).isEqualTo(Verdict.NOTHING);
    assertThat(clock.windowOpen()).isFalse();

    assertThat(clock.check(6 * S + 1)).isEqualTo(Verdict.DRAIN);
    assertThat(clock.windowOpen()).isTrue();
    assertThat(clock.pingDue()).as("the frame is still pinged after").isTrue();
  }

  @Test
  void afterAFirstProof_noFallback_theClientIsPacedStrictly() {
    ClientClock clock = clock(Proof.PONG);
    sent(clock, 0);
    clock.pingHandedOver(0);
    clock.pong(MS);
    sent(clock, 2 * MS);

    assertThat(clock.check(60 * S)).isEqualTo(Verdict.NOTHING);
    assertThat(clock.windowOpen()).as("waits for its own proof, however long").isFalse();
  }

  @Test
  void aProofOfAFrameTheFallbackLetThrough_stillEndsTheFallback() {
    ClientClock clock = clock(Proof.PONG);
    sent(clock, 0);
    clock.pingHandedOver(0);
    clock.check(2 * S); // The fallback lets frame 1 through.
    clock.pong(3 * S); // Its pong comes late: the client answers.
    sent(clock, 3 * S);

    assertThat(clock.check(60 * S)).isEqualTo(Verdict.NOTHING);
    assertThat(clock.windowOpen()).isFalse();
  }

  @Test
  void heartbeat_owedEveryInterval_andItsPingCoversTheFramesBeforeIt() {
    ClientClock clock = new ClientClock(Proof.PONG, 15 * S, 45 * S, 0);
    assertThat(clock.check(14 * S)).isEqualTo(Verdict.NOTHING);
    assertThat(clock.check(15 * S)).isEqualTo(Verdict.DRAIN);
    assertThat(clock.pingDue()).isTrue();
    clock.pingHandedOver(15 * S);
    assertThat(clock.pingDue()).isFalse();
    assertThat(clock.check(16 * S)).as("one owed at a time").isEqualTo(Verdict.NOTHING);
  }

  @Test
  void silence_unresponsiveOnlyWhenUnheardForTheSilence_withAPingUnansweredLongEnough() {
    ClientClock clock = new ClientClock(Proof.PONG, 15 * S, 45 * S, 0);
    clock.check(15 * S);
    clock.pingHandedOver(40 * S); // Held back behind our own sends until then.
    assertThat(clock.check(46 * S))
        .as("silent 46 s, but the ping reached it only 6 s ago")
        .isNotEqualTo(Verdict.UNRESPONSIVE);
    assertThat(clock.check(71 * S)).isEqualTo(Verdict.UNRESPONSIVE);
  }

  @Test
  void anySignOfLife_answersThePingsSoFar_forTheSilenceRule() {
    ClientClock clock = new ClientClock(Proof.PONG, 15 * S, 45 * S, 0);
    clock.check(15 * S);
    clock.pingHandedOver(15 * S);
    clock.heard(50 * S); // A message; its pong may come later.
    assertThat(clock.check(80 * S)).as("the next heartbeat").isEqualTo(Verdict.DRAIN);
    clock.pingHandedOver(80 * S);
    assertThat(clock.check(110 * S))
        .as("silent 60 s, but this ping waited only 30 s")
        .isNotEqualTo(Verdict.UNRESPONSIVE);
    assertThat(clock.check(111 * S)).isEqualTo(Verdict.UNRESPONSIVE);
  }
}
