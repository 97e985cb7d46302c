package io.github.broadcast;

import io.github.broadcast.testing.RecordingClient;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The property suite's client: it plays any behaviour a transport may have (completes inside {@code
 * send}, holds the send until the test completes it, fails, throws, never completes), proves what
 * it consumed in one of three ways (pongs, acks, or none: a transport without pings), and checks,
 * in every call the broadcaster makes, the promises a client can see: {@code initial_state} first
 * and versions never backwards, tombstones included (by a {@link RecordingClient} it feeds); one
 * send in flight, no call under a library lock, no update overtaking an owed pong, nothing after
 * unregister; and, when paced, no data frame before the one before it was proven consumed.
 *
 * <p>Single-threaded: the property test drives everything from one thread.
 */
final class ProbeClient implements Client {

  private static final Pattern TYPE = Pattern.compile("\\{\"type\":\"");
  static final long NOT_HELD = Long.MIN_VALUE;

  final String id;
  private final Broadcaster broadcaster;
  private final Ticker ticker;
  private final List<String> violations;

  /** How this client proves what it consumed. */
  enum Proof {
    /** Answers pings (when the test says so); paced by pongs when the broadcaster paces. */
    PONGS,
    /** Acknowledges the frames it applied (when the test says so); pings are signs of life. */
    ACKS,
    /** A transport without pings: paced by send completions. */
    NONE
  }

  final Proof proof;
  private final boolean paced; // The broadcaster paces, and this client can prove.
  boolean sendsThenPings; // Set before registration: it writes a frame and its ping at once.

  // Behaviour, set by the test.
  boolean hold; // Sends wait for complete(); otherwise they complete inside send().
  boolean failNextSend;
  boolean throwNextSend;
  boolean closeThrows;
  boolean pingThrows;
  int thrown; // Exceptions this client threw into the broadcaster.

  // What it saw.
  private final RecordingClient recorder;
  private final Set<String> reported = new HashSet<>();
  private CompletableFuture<Void> held;
  long heldSinceNanos = NOT_HELD;
  boolean pongOwed;
  boolean unregistered;
  CloseReason closeReason;
  long closedAtNanos;
  int pings;
  long unansweredPingNanos = NOT_HELD; // The oldest ping since the test last answered for it.
  long idleSinceNanos; // When it last had no held send (registration, or a completion).
  boolean sendFailed; // A send of this client failed or threw: SEND_FAILED is legitimate.

  // Pacing, as this client sees it: data frames received, those it proved consumed, what its
  // latest ping covers, and whether it ever proved anything (before that, a frame unproven for a
  // second counts as consumed, ClientClock.FIRST_PROOF_NANOS).
  int dataFrames;
  private int proven;
  private int pingCovers;
  private boolean provenOnce;
  private long provenOnceAtNanos; // When it first proved a frame.
  private long lastCompletedNanos; // When the latest data frame's send completed.
  private boolean heldData; // The held send is a data frame.

  ProbeClient(
      String id,
      Broadcaster broadcaster,
      Ticker ticker,
      List<String> violations,
      Proof proof,
      boolean pacedBroadcaster) {
    this.id = id;
    this.proof = proof;
    this.paced = pacedBroadcaster && proof != Proof.NONE;
    this.broadcaster = broadcaster;
    this.ticker = ticker;
    this.violations = violations;
    this.recorder = new RecordingClient(id);
    this.idleSinceNanos = ticker.read();
  }

  private void violation(String what) {
    violations.add(id + ": " + what);
  }

  private void checkCall(String call) {
    if (LockProbe.locked(broadcaster)) {
      violation(call + " under a library lock");
    }
    if (unregistered && !call.equals("close")) {
      violation(call + " after unregister");
    }
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public CompletionStage<Void> send(Frame frame) {
    checkCall("send");
    if (held != null) {
      violation("a second send while one is in flight");
    }
    if (closeReason != null) {
      violation("send after close");
    }
    record(frame.text());
    boolean data = isData(frame.text());
    if (data) {
      checkPaced();
      dataFrames++;
    }
    if (throwNextSend) {
      throwNextSend = false;
      thrown++;
      sendFailed = true;
      throw new IllegalStateException("injected send failure on " + id);
    }
    if (failNextSend) {
      failNextSend = false;
      sendFailed = true;
      return CompletableFuture.failedFuture(new IOException("injected broken pipe on " + id));
    }
    if (!hold) {
      if (data) {
        lastCompletedNanos = ticker.read();
      }
      return CompletableFuture.completedFuture(null);
    }
    heldData = data;
    held = new CompletableFuture<>();
    heldSinceNanos = ticker.read();
    return held;
  }

  private static boolean isData(String text) {
    return !text.startsWith("{\"type\":\"pong\"");
  }

  /** A paced client is sent a data frame only once the one before it was proven consumed. */
  private void checkPaced() {
    if (!paced || dataFrames == proven) {
      return;
    }
    // The first-proof fallback may have let the previous frame through: a second after its send
    // completed, if that came before the client's first proof.
    long fallbackUntil = provenOnce ? provenOnceAtNanos : ticker.read();
    if (fallbackUntil - lastCompletedNanos > ClientClock.FIRST_PROOF_NANOS) {
      proven = dataFrames; // It counts as consumed.
    } else {
      violation(
          "data frame "
              + (dataFrames + 1)
              + " sent while frame "
              + dataFrames
              + " was not proven consumed ("
              + proven
              + " proven)");
    }
  }

  /**
   * The test answers this client's latest ping; returns whether one was ever sent. Before the call
   * into the broadcaster: the answer may let the next frame go inside it.
   */
  boolean answerLatestPing() {
    if (pings == 0) {
      return false;
    }
    if (proof == Proof.PONGS && pingCovers > 0) {
      provedOnce();
      proven = Math.max(proven, pingCovers);
    }
    return true;
  }

  /** The test makes this client acknowledge its first {@code applied} data frames. */
  void acknowledge(int applied) {
    if (proof == Proof.ACKS && Math.min(applied, dataFrames) > 0) {
      provedOnce();
      proven = Math.max(proven, Math.min(applied, dataFrames));
    }
  }

  /** Whether the broadcaster paces this client by its proofs. */
  boolean isPaced() {
    return paced;
  }

  private void provedOnce() {
    if (!provenOnce) {
      provenOnce = true;
      provenOnceAtNanos = ticker.read();
    }
  }

  @Override
  public boolean acknowledges() {
    return proof == Proof.ACKS;
  }

  /** Completes the held send, normally or not; returns whether there was one. */
  boolean complete(boolean ok) {
    CompletableFuture<Void> future = held;
    if (future == null) {
      return false;
    }
    held = null;
    heldSinceNanos = NOT_HELD;
    idleSinceNanos = ticker.read();
    if (heldData) {
      lastCompletedNanos = ticker.read();
    }
    if (ok) {
      future.complete(null);
    } else {
      sendFailed = true;
      future.completeExceptionally(new IOException("injected write failure on " + id));
    }
    return true;
  }

  boolean holding() {
    return held != null;
  }

  private void record(String text) {
    String type = TYPE.matcher(text).lookingAt() ? text.substring(9, text.indexOf('"', 9)) : "";
    if (pongOwed && (type.equals("session_update") || type.equals("batch_update"))) {
      violation(type + " overtook an owed pong");
    }
    if (type.equals("pong")) {
      pongOwed = false;
    }
    recorder.receive(text); // Parses, applies, and checks initial_state first and versions.
    for (String seen : recorder.violations()) {
      if (reported.add(seen)) {
        violation(seen);
      }
    }
  }

  /** Returns session id to the highest version seen, tombstones included. */
  Map<String, Long> highest() {
    return recorder.highest();
  }

  /** Returns (session, version) of every update received after the first initial_state. */
  List<Map.Entry<String, Long>> live() {
    return recorder.live();
  }

  /** Returns how many initial_state frames arrived. */
  int initialStates() {
    return recorder.initialStates();
  }

  /** Returns session id to version held, removed sessions excluded. */
  Map<String, Long> view() {
    return recorder.view();
  }

  /** Returns every live session object held, by id: patches applied, as a page holds them. */
  Map<String, JsonNode> sessions() {
    return recorder.sessions();
  }

  /** The recorder behind this client, whose view a reconnecting client continues. */
  RecordingClient recorder() {
    return recorder;
  }

  /** Makes this client take patches; before registration. */
  void takePatches() {
    recorder.receivingPatches();
  }

  /** Makes this client continue {@code previous}'s view and resume from it; before registration. */
  void resume(ProbeClient previous, String epoch) {
    recorder.resuming(previous.recorder, epoch);
  }

  /** Returns how many resumed initial_state frames arrived. */
  int resumes() {
    return recorder.resumes();
  }

  /** Returns how many patches were applied. */
  int patchesApplied() {
    return recorder.patchesApplied();
  }

  @Override
  public boolean receivesPatches() {
    return recorder.receivesPatches();
  }

  @Override
  public Topics topics() {
    return recorder.topics();
  }

  /** Makes this client receive {@code topics}, checked on every frame; before registration. */
  void watch(Topics topics) {
    recorder.watching(topics, "topic");
  }

  /** Records that this client now receives {@code topics}; before {@code subscribe}. */
  void subscribed(Topics topics) {
    recorder.subscribed(topics);
  }

  /** Returns every session a frame named. */
  Set<String> mentioned() {
    return recorder.mentioned();
  }

  @Override
  public ResumePoint resumeFrom() {
    return recorder.resumeFrom();
  }

  @Override
  public boolean canSendThenPing() {
    return sendsThenPings && proof != Proof.NONE;
  }

  @Override
  public CompletionStage<Void> sendThenPing(Frame frame) {
    if (!canSendThenPing()) {
      violation("sendThenPing though it said it cannot");
    }
    CompletionStage<Void> stage = send(frame); // Throws before the ping, if it throws.
    pinged(); // In the same write, right after the frame.
    return stage;
  }

  @Override
  public boolean ping() {
    checkCall("ping");
    if (proof == Proof.NONE) {
      return false;
    }
    if (held != null) {
      violation("a ping while a send is in flight");
    }
    pinged();
    if (pingThrows) {
      thrown++;
      throw new IllegalStateException("injected ping failure on " + id);
    }
    return true;
  }

  private void pinged() {
    pings++;
    pingCovers = dataFrames;
    if (unansweredPingNanos == NOT_HELD) {
      unansweredPingNanos = ticker.read();
    }
  }

  @Override
  public void close(CloseReason reason) {
    checkCall("close");
    if (closeReason == null) {
      closeReason = reason;
      closedAtNanos = ticker.read();
    } else {
      violation("closed twice: " + closeReason + ", then " + reason);
    }
    if (closeThrows) {
      thrown++;
      throw new IllegalStateException("injected close failure on " + id);
    }
  }

  public boolean isOpen() {
    return closeReason == null && !unregistered;
  }

  @Override
  public String toString() {
    return id;
  }
}
