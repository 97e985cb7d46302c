package io.github.broadcast;

import java.util.concurrent.TimeUnit;

/*
 * Design note: one client's pacing and liveness clock.
 *
 * What a send's completion proves: that the transport took the frame (the kernel has its bytes, or
 * the container's own queue does), not that the client read it. The kernel takes megabytes, so a
 * client paced by completions alone can be seconds behind with nothing in our outbox to show it.
 * This clock paces a client by what it has proven it consumed instead.
 *
 * Proof of consumption, in one of two forms:
 *   PONG  a WebSocket pong answering our latest ping. RFC 6455 requires the answer, and every
 *         client we checked sends it only after the frames before the ping: Node ws after emitting
 *         each earlier message, the JDK client after its listener took each earlier message,
 *         Chromium and Firefox from their network code once the frames before it were read off the
 *         socket (Chromium stops reading while about 128 KiB wait for a busy page). So a pong
 *         proves that the bytes before the ping left every buffer between us and the client's
 *         parser (see the broadcast-jakarta package docs for the per-client sources).
 *   ACK   the client's own "ack N": it has applied the first N data frames it was sent. Pages that
 *         say they send it (?ack=1) are paced by it alone, so a page whose main thread is busy
 *         counts as busy; their pongs still count as signs of life.
 * A client whose transport has no pings (Client.ping returns false) is paced by send completions
 * (COMPLETION), as every client was before; so is a client of a broadcaster built without pacing.
 *
 * The window is one frame: a data frame (initial_state, resync, update, catch-up) starts only when
 * the one before it was proven consumed, and a PONG client is pinged right after each data frame.
 * Meanwhile the outbox coalesces, latest state per session, and sends everything that changed as
 * one frame when the proof arrives: an idle client gets each update at once, a busy one one frame
 * per round trip. A wider window was measured (16 KiB of unproven frames, against one frame, same
 * load generator, 1,000 clients): each client then took a stream of small frames, 19 a second
 * instead of 2.6, and the clients' per-frame work made every client staler (p99 10.7 s against
 * 7.6 s, on the JDK WebSocket clients the load test used then).
 *
 * A client that never proves: until its first proof, a frame unproven for FIRST_PROOF_NANOS after
 * its send completed counts as consumed, so a peer that never answers still gets the latest state
 * once a second, never a backlog; once it has proven once, it is paced strictly, and its own
 * silence (heartbeat), its send timeout and its grace period judge it.
 *
 * Liveness (the heartbeat): a ping is owed every interval and handed over only when nothing of ours
 * is in flight, so the client's time to answer counts from when the ping reached its socket (issue
 * 15). A client is unresponsive when it has not been heard from for the silence timeout and a ping
 * handed over at least the silence less the interval ago is unanswered. Signs of life: any message,
 * a pong, an ack, and a send that waited for the transport and then succeeded.
 *
 * Not thread-safe: the outbox owns it and calls it under its monitor. Time comes in as arguments,
 * read from the engine's ticker, so ClientClockTest drives it with plain numbers.
 */
/** One client's pacing and liveness clock; see the design note at the top of this file. */
final class ClientClock {

  /** How a client proves that it consumed what it was sent. */
  enum Proof {
    /** Not paced: a frame counts as consumed when its send completes. */
    COMPLETION,
    /** Paced by pongs answering our pings. */
    PONG,
    /** Paced by the client's own acknowledgements of the frames it applied. */
    ACK
  }

  /** Before a client's first proof, how long a frame may stay unproven before it counts anyway. */
  static final long FIRST_PROOF_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final long NOT_WAITING = Long.MIN_VALUE;

  private final long pingIntervalNanos; // 0 when heartbeats are off.
  private final long silenceNanos;
  private Proof proof;

  // Liveness.
  private long lastHeardNanos;
  private long lastPingNanos; // When the latest ping was handed over (or the clock started).
  private long pingSentNanos = NOT_WAITING; // When the oldest unanswered ping was handed over.
  private boolean heartbeatOwed;

  // Pacing: data frames handed to the transport, those proven consumed (at most one behind), when
  // the unproven one's send completed (NOT_WAITING while it is in flight), and how many the latest
  // ping covers.
  private long framesSent;
  private long framesProven;
  private long framesAcked; // The most the client acknowledged, whatever paces it.
  private long unprovenSinceNanos = NOT_WAITING;
  private long pingCovers;
  private boolean provenOnce;

  ClientClock(Proof proof, long pingIntervalNanos, long silenceNanos, long nowNanos) {
    this.proof = proof;
    this.pingIntervalNanos = pingIntervalNanos;
    this.silenceNanos = silenceNanos;
    this.lastHeardNanos = nowNanos;
    this.lastPingNanos = nowNanos;
  }

  Proof proof() {
    return proof;
  }

  /** Whether a data frame may start now: every frame sent before was proven consumed. */
  boolean windowOpen() {
    return framesSent == framesProven;
  }

  /** A data frame was handed to the transport. */
  void dataFrameStarted() {
    framesSent++;
    unprovenSinceNanos = NOT_WAITING;
  }

  /**
   * The data frame in flight completed at {@code nowNanos}: a client paced by completions has
   * consumed it; any other may prove it from now on.
   */
  void dataFrameCompleted(long nowNanos) {
    if (proof == Proof.COMPLETION) {
      framesProven = framesSent;
    } else {
      unprovenSinceNanos = nowNanos;
    }
  }

  /**
   * Whether a ping should be handed over now that nothing is in flight: the heartbeat's, or, for a
   * client paced by pongs, the one that proves the data frame just sent.
   */
  boolean pingDue() {
    // Every data frame is pinged after, even one the first-proof fallback let through: a client
    // whose transport turns out to have no pings learns it at its first frame.
    return heartbeatOwed || (proof == Proof.PONG && framesSent > pingCovers);
  }

  /** A ping reached the transport at {@code nowNanos}; it covers every frame sent before it. */
  void pingHandedOver(long nowNanos) {
    heartbeatOwed = false;
    lastPingNanos = nowNanos; // The next heartbeat an interval after this one left.
    if (pingSentNanos == NOT_WAITING) {
      pingSentNanos = nowNanos;
    }
    pingCovers = framesSent;
  }

  /**
   * The transport could not send a ping: the client cannot prove consumption by pongs, so it is
   * paced by completions from now on, whatever it was sent counts as consumed, and no silence is
   * held against it.
   */
  void pingsUnsupported() {
    heartbeatOwed = false;
    pingSentNanos = NOT_WAITING;
    if (proof == Proof.PONG) {
      proof = Proof.COMPLETION;
      framesProven = framesSent;
    }
  }

  /**
   * The client answered our latest ping at {@code nowNanos}: a sign of life and, when paced by
   * pongs, proof of every frame sent before that ping. Returns whether it proved a frame.
   */
  boolean pong(long nowNanos) {
    heard(nowNanos);
    return proof == Proof.PONG && prove(pingCovers);
  }

  /**
   * The client says it applied its first {@code applied} data frames: a sign of life and, when
   * paced by acks, proof of those frames; a count beyond what was sent stands for what was sent.
   * Returns whether it acknowledged a frame not acknowledged before, however the client is paced: a
   * page that acknowledges each frame it draws sends at most one such ack per frame, and the
   * endpoint lets those past the inbound rate, on a broadcaster without pacing too.
   */
  boolean ack(long applied, long nowNanos) {
    heard(nowNanos);
    long upTo = Math.min(applied, framesSent);
    if (upTo <= framesAcked) {
      return false;
    }
    framesAcked = upTo;
    if (proof == Proof.ACK) {
      prove(upTo); // False when the first-proof fallback let them through: still new acks.
    }
    return true;
  }

  /**
   * Marks the first {@code frames} data frames consumed; returns whether that proved one not proven
   * before. Any proof of a frame, even one the first-proof fallback already let through, shows that
   * this client answers: from then on it is paced strictly.
   */
  private boolean prove(long frames) {
    if (frames > 0) {
      provenOnce = true;
    }
    if (frames <= framesProven) {
      return false;
    }
    framesProven = frames;
    return true;
  }

  /** Any sign of life: the client answers every ping handed over so far, for the silence rule. */
  void heard(long nowNanos) {
    lastHeardNanos = nowNanos;
    pingSentNanos = NOT_WAITING;
  }

  /** What the sweep found; see {@link #check}. */
  enum Verdict {
    NOTHING,
    /** A heartbeat ping is owed, or a frame now counts as consumed: drain. */
    DRAIN,
    /** Not heard from for the silence timeout, with a ping unanswered: close it. */
    UNRESPONSIVE
  }

  /**
   * The sweep's look at this client at {@code nowNanos}: the silence rule, the heartbeat, and the
   * first-proof fallback.
   */
  Verdict check(long nowNanos) {
    boolean drain = false;
    if (!provenOnce
        && proof != Proof.COMPLETION
        && framesSent > framesProven
        && unprovenSinceNanos != NOT_WAITING
        && nowNanos - unprovenSinceNanos > FIRST_PROOF_NANOS) {
      framesProven = framesSent; // Not a proof: the next frame waits for one again.
      drain = true;
    }
    if (pingIntervalNanos > 0) {
      if (nowNanos - lastHeardNanos > silenceNanos
          && pingSentNanos != NOT_WAITING
          && nowNanos - pingSentNanos > silenceNanos - pingIntervalNanos) {
        return Verdict.UNRESPONSIVE;
      }
      if (nowNanos - lastPingNanos >= pingIntervalNanos && !heartbeatOwed) {
        lastPingNanos = nowNanos;
        heartbeatOwed = true;
        drain = true;
      }
    }
    return drain ? Verdict.DRAIN : Verdict.NOTHING;
  }

  @Override
  public String toString() {
    return "ClientClock["
        + proof
        + ", sent "
        + framesSent
        + ", proven "
        + framesProven
        + (pingSentNanos == NOT_WAITING ? "" : ", ping unanswered")
        + "]";
  }
}
