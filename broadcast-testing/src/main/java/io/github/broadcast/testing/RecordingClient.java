package io.github.broadcast.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Client;
import io.github.broadcast.CloseReason;
import io.github.broadcast.Frame;
import io.github.broadcast.ResumePoint;
import io.github.broadcast.Topics;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * An in-memory {@link Client} that records every frame handed to it and keeps the view a real
 * dashboard would build from them, checking the protocol as it goes: {@code initial_state} first,
 * versions never going backwards and, when asked, no gap ({@link #expectConsecutive}).
 *
 * <p>It can take patches ({@link #receivingPatches}: it applies each RFC 7386 merge patch to the
 * object it holds at the patch's base, and counts a patch whose base it does not hold as a
 * violation) and resume ({@link #resuming}: it continues another client's view, asks to be sent
 * what changed after the highest version that one holds, and merges a resumed {@code initial_state}
 * by the version rule instead of replacing its view).
 *
 * <p>Sends complete at once by default; {@link #stall()} holds them until {@link #completeNext()}
 * or {@link #resume()}, which is how a test plays a slow or stalled peer; {@link #failSends()}
 * fails them. Thread-safe; completions run outside the monitor, on the caller's thread.
 */
public final class RecordingClient implements Client {

  private static final ObjectMapper mapper = new ObjectMapper();

  private final String id;
  // All guarded by this.
  private final List<String> frames = new ArrayList<>();
  private final List<String> types = new ArrayList<>();
  private final Map<String, Long> versions = new LinkedHashMap<>();
  // Session id to the highest version seen, tombstones included.
  private final Map<String, Long> highest = new LinkedHashMap<>();
  // (session, version) of every update applied after the first initial_state, in order.
  private final List<Map.Entry<String, Long>> live = new ArrayList<>();
  private int initialStates;
  private final Map<String, JsonNode> states = new LinkedHashMap<>();
  private final List<String> violations = new ArrayList<>();
  private final ArrayDeque<CompletableFuture<Void>> pending = new ArrayDeque<>();
  private boolean stalled;
  private Executor completer;
  private boolean failing;
  private boolean consecutive;
  private boolean lean; // Keeps the view and the checks, not every frame: for long runs.
  private int inFlight;
  private int maxInFlight;
  private int pings;
  private int answered; // Pings answered by answerPings.
  private volatile boolean acknowledges; // Set before registration.
  private volatile boolean noPings; // Set before registration.
  private volatile boolean patches; // Set before registration.
  private volatile ResumePoint resumeFrom; // Set before registration.
  private volatile Topics topics = Topics.all(); // What it receives; checked with topicField.
  private String topicField; // The state's member that names its topic; null: not checked.
  private final Set<String> mentioned = new HashSet<>(); // Sessions any frame named.
  private String epoch; // The epoch of the latest initial_state.
  private int resumes; // Resumed initial_state frames (with "since").
  private int patchesApplied;
  private CloseReason closeReason;
  private int closes;
  private boolean open = true;

  /** A client that completes every send at once and records what it received. */
  public RecordingClient(String id) {
    this.id = id;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public CompletionStage<Void> send(Frame frame) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    boolean completeNow;
    boolean failNow;
    Executor async;
    synchronized (this) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (!lean) {
        frames.add(frame.text());
      }
      apply(frame.text());
      failNow = failing;
      completeNow = !stalled && !failing;
      async = completer;
      if (stalled) {
        pending.add(future);
      }
    }
    if (failNow) {
      finish(future, new IOException("broken pipe (" + id + ")"));
    } else if (completeNow && async != null) {
      async.execute(() -> finish(future, null));
    } else if (completeNow) {
      finish(future, null);
    }
    return future;
  }

  private void finish(CompletableFuture<Void> future, Throwable error) {
    synchronized (this) {
      inFlight--;
    }
    if (error == null) {
      future.complete(null);
    } else {
      future.completeExceptionally(error);
    }
  }

  private void apply(String text) {
    JsonNode message;
    message = mapper.readTree(text);
    String type = message.path("type").asString();
    if (types.isEmpty() && initialStates == 0 && !type.equals("initial_state")) {
      violations.add("first frame is " + type + ", not initial_state");
    }
    if (!lean || types.isEmpty()) {
      types.add(type);
    }
    switch (type) {
      case "initial_state":
        initialStates++;
        epoch = message.path("epoch").isString() ? message.path("epoch").asString() : null;
        if (message.has("since")) {
          // A resume: what changed after the version it asked from, merged by the version rule.
          resumes++;
          if (resumeFrom == null || message.path("since").asLong() != resumeFrom.version()) {
            violations.add("a resumed initial_state from " + message.path("since") + ", not asked");
          }
          for (JsonNode session : message.path("sessions")) {
            Long previous = highest.get(session.path("session_id").asString());
            if (previous == null || session.path("version").asLong() > previous) {
              applySession(session, /* live= */ false);
            }
          }
          break;
        }
        // Replaces the view; versions may not go backwards even across a resync.
        versions.clear();
        states.clear();
        for (JsonNode session : message.path("sessions")) {
          String sessionId = session.path("session_id").asString();
          long version = session.path("version").asLong();
          checkScope(sessionId, session);
          Long previous = highest.get(sessionId);
          if (previous != null && version < previous) {
            violations.add(
                "resync took " + sessionId + " back from v" + previous + " to v" + version);
          }
          highest.merge(sessionId, version, Math::max);
          versions.put(sessionId, version);
          states.put(sessionId, session);
        }
        break;
      case "session_update":
        applySession(message.path("session"), /* live= */ true);
        break;
      case "batch_update":
        for (JsonNode session : message.path("sessions")) {
          applySession(session, /* live= */ true);
        }
        break;
      case "pong":
        break;
      default:
        violations.add("unknown frame type " + type);
    }
  }

  /** Applies one entry; {@code live}: from an update, not a snapshot, and recorded in order. */
  private void applySession(JsonNode session, boolean isLive) {
    String sessionId = session.path("session_id").asString();
    long version = session.path("version").asLong();
    Long previous = highest.get(sessionId);
    if (previous != null && version <= previous) {
      violations.add(
          sessionId + " went from v" + previous + " to v" + version + " (tombstones included)");
      return;
    }
    if (consecutive && previous != null && version != previous + 1) {
      violations.add(sessionId + " jumped from v" + previous + " to v" + version + " (a gap)");
    }
    if (isLive && session.path("base").isNumber() && session.path("patch").isObject()) {
      long base = session.path("base").asLong();
      JsonNode held = states.get(sessionId);
      if (!patches) {
        violations.add(sessionId + " v" + version + " came as a patch, never asked for");
        return;
      }
      if (held == null || versions.get(sessionId) != base) {
        violations.add(
            sessionId + " v" + version + " came as a patch from v" + base + ", holds " + previous);
        return;
      }
      patchesApplied++;
      ObjectNode merged = (ObjectNode) mergePatch(held, session.path("patch"));
      merged.put("version", version);
      session = mapper.readTree(merged.toString()); // Numbers as parsed, like a whole state.
    }
    checkScope(sessionId, session);
    highest.put(sessionId, version);
    if (!lean && isLive) {
      live.add(Map.entry(sessionId, version));
    }
    if (session.path("removed").asBoolean(false)) {
      versions.remove(sessionId);
      states.remove(sessionId);
    } else {
      versions.put(sessionId, version);
      states.put(sessionId, session);
    }
  }

  /**
   * Records that a frame named {@code sessionId}; with a topic field, checks that a live {@code
   * session} is in this client's topics. (A removal names no topic: see {@link #mentioned()}.)
   */
  private void checkScope(String sessionId, JsonNode session) {
    mentioned.add(sessionId);
    if (topicField == null || session.path("removed").asBoolean(false)) {
      return;
    }
    JsonNode topic = session.path(topicField);
    String name = topic.isString() ? topic.asString() : null;
    if (!topics.includes(name)) {
      violations.add(
          sessionId
              + " v"
              + session.path("version")
              + " in topic "
              + name
              + ", outside its "
              + topics);
    }
  }

  /** Returns the id of every session a frame sent to this client named, removals included. */
  public synchronized Set<String> mentioned() {
    return new HashSet<>(mentioned);
  }

  /**
   * RFC 7386, section 2, written here apart from the library's own, so that a patch is checked
   * against the standard rather than against the code that made it. Never edits its arguments.
   */
  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result =
        target != null && target.isObject()
            ? ((ObjectNode) target).deepCopy()
            : mapper.createObjectNode();
    for (Map.Entry<String, JsonNode> member : patch.properties()) {
      if (member.getValue().isNull()) {
        result.remove(member.getKey());
      } else {
        result.set(member.getKey(), mergePatch(result.get(member.getKey()), member.getValue()));
      }
    }
    return result;
  }

  /**
   * Records a message that arrived over a real socket, as if it had been sent to this client: how
   * an end-to-end test client reuses the view and the protocol checks.
   */
  public synchronized void receive(String text) {
    if (!lean) {
      frames.add(text);
    }
    apply(text);
  }

  /**
   * Keeps the view and every check, but not the frames, their types (past the first) or the
   * versions received: memory stays flat however long a run lasts.
   */
  public synchronized RecordingClient lean() {
    lean = true;
    return this;
  }

  /** Checks that each session's versions grow by exactly one after the snapshot: no gap. */
  public synchronized RecordingClient expectConsecutive() {
    consecutive = true;
    return this;
  }

  /** Holds every later send in flight until {@link #completeNext()} or {@link #resume()}. */
  public synchronized RecordingClient stall() {
    stalled = true;
    return this;
  }

  /** Completes every later send on {@code executor}, as a socket's I/O thread would. */
  public synchronized RecordingClient completeOn(Executor executor) {
    completer = executor;
    return this;
  }

  /** Fails every later send. */
  public synchronized RecordingClient failSends() {
    failing = true;
    return this;
  }

  /** Completes the oldest held send; returns whether there was one. */
  public boolean completeNext() {
    CompletableFuture<Void> next;
    synchronized (this) {
      next = pending.poll();
    }
    if (next != null) {
      finish(next, null);
    }
    return next != null;
  }

  /** Stops holding sends and completes the held ones, in order. */
  public void resume() {
    synchronized (this) {
      stalled = false;
    }
    while (completeNext()) {
      // Each completion may start the next send, which now completes at once.
    }
  }

  /**
   * Counts the ping; the test answers it, or not, with {@link #answerPings} (or {@code
   * Broadcaster.onPong} itself).
   */
  @Override
  public synchronized boolean ping() {
    if (noPings) {
      return false;
    }
    pings++;
    return true;
  }

  @Override
  public boolean acknowledges() {
    return acknowledges;
  }

  /**
   * Makes this client one that acknowledges the frames it applies (its test calls {@code
   * Broadcaster.onAck}); returns it.
   */
  public RecordingClient acknowledging() {
    acknowledges = true;
    return this;
  }

  @Override
  public boolean receivesPatches() {
    return patches;
  }

  @Override
  public ResumePoint resumeFrom() {
    return resumeFrom;
  }

  /** Makes this client one that takes patches ({@code ?delta=1}); returns it. */
  public RecordingClient receivingPatches() {
    patches = true;
    return this;
  }

  /**
   * Makes this client continue {@code previous}'s view, as a page that reconnects does: it holds
   * what that one held and asks to resume from the highest version it saw, in its epoch (or in
   * {@code epoch}, if non-null: a point from elsewhere). Returns it.
   */
  public RecordingClient resuming(RecordingClient previous, String epoch) {
    synchronized (previous) {
      synchronized (this) {
        versions.putAll(previous.versions);
        states.putAll(previous.states);
        mentioned.addAll(previous.mentioned);
        topics = previous.topics;
        topicField = previous.topicField;
        highest.putAll(previous.highest);
        initialStates = 0;
        long since = 0;
        for (long version : previous.highest.values()) {
          since = Math.max(since, version);
        }
        String from = epoch != null ? epoch : previous.epoch;
        resumeFrom = from == null || since == 0 ? null : new ResumePoint(from, since);
      }
    }
    return this;
  }

  @Override
  public Topics topics() {
    return topics;
  }

  /**
   * Makes this client receive {@code topics} and check that every session it is sent is in them,
   * reading the topic from the state's {@code topicField} (and that every removal is of a session
   * it was sent); before registration. Returns it.
   */
  public synchronized RecordingClient watching(Topics topics, String topicField) {
    this.topics = topics;
    this.topicField = topicField;
    return this;
  }

  /**
   * Records that this client now receives {@code topics}: call it before {@code
   * Broadcaster.subscribe}, since frames sent from then on are checked against them.
   */
  public synchronized void subscribed(Topics topics) {
    this.topics = topics;
  }

  /** Makes this client ask to resume from {@code point}, holding nothing; returns it. */
  public RecordingClient resumingFrom(ResumePoint point) {
    resumeFrom = point;
    return this;
  }

  /** Returns the epoch of the latest initial_state, or null. */
  public synchronized String epoch() {
    return epoch;
  }

  /** Returns how many resumed initial_state frames (with {@code since}) arrived. */
  public synchronized int resumes() {
    return resumes;
  }

  /** Returns how many patches were applied. */
  public synchronized int patchesApplied() {
    return patchesApplied;
  }

  /** Returns every live session object the client holds, by session id. */
  public synchronized Map<String, JsonNode> sessions() {
    return new LinkedHashMap<>(states);
  }

  /** Makes this client's transport one without pings: paced by its completions; returns it. */
  public RecordingClient withoutPings() {
    noPings = true;
    return this;
  }

  /**
   * Answers this client's latest ping, if one came since the last answer, as a WebSocket client
   * does once it has read the frames before it: {@code broadcaster.onPong(this)}, outside this
   * client's monitor. Returns whether there was one to answer.
   */
  public boolean answerPings(Broadcaster broadcaster) {
    synchronized (this) {
      if (answered == pings || !open) {
        return false;
      }
      answered = pings;
    }
    broadcaster.onPong(this);
    return true;
  }

  @Override
  public synchronized void close(CloseReason reason) {
    closes++;
    if (closeReason == null) {
      closeReason = reason;
    }
    open = false;
  }

  public synchronized boolean isOpen() {
    return open;
  }

  /** Returns the frames handed to this client, in order. */
  public synchronized List<String> frames() {
    return new ArrayList<>(frames);
  }

  /** Returns the type of each frame handed to this client, in order. */
  public synchronized List<String> types() {
    return new ArrayList<>(types);
  }

  /** Returns the client's view: session id to the version it holds (tombstones excluded). */
  public synchronized Map<String, Long> view() {
    Map<String, Long> live = new LinkedHashMap<>();
    versions.forEach(
        (sessionId, version) -> {
          if (states.containsKey(sessionId)) {
            live.put(sessionId, version);
          }
        });
    return live;
  }

  /** Returns the session object the client holds for {@code sessionId}, or null. */
  public synchronized JsonNode session(String sessionId) {
    return states.get(sessionId);
  }

  /** Returns session id to the highest version seen, tombstones included. */
  public synchronized Map<String, Long> highest() {
    return new LinkedHashMap<>(highest);
  }

  /** Returns (session, version) of every update applied after the first initial_state. */
  public synchronized List<Map.Entry<String, Long>> live() {
    return new ArrayList<>(live);
  }

  /** Returns how many initial_state frames arrived: more than one means a resync. */
  public synchronized int initialStates() {
    return initialStates;
  }

  /** Returns the protocol violations seen so far. */
  public synchronized List<String> violations() {
    return new ArrayList<>(violations);
  }

  /** Returns the most sends ever in flight at once. */
  public synchronized int maxInFlight() {
    return maxInFlight;
  }

  /** Returns how many sends are held now. */
  public synchronized int held() {
    return pending.size();
  }

  /** Returns how many transport pings were sent. */
  public synchronized int pings() {
    return pings;
  }

  /** Returns the first close reason, or null if never closed. */
  public synchronized CloseReason closeReason() {
    return closeReason;
  }

  /** Asserts that the protocol was kept: see the class comment. */
  public synchronized void assertConsistent() {
    assertThat(violations).as("protocol violations seen by %s", id).isEmpty();
    assertThat(maxInFlight).as("sends in flight at once on %s", id).isLessThanOrEqualTo(1);
  }

  /** Asserts the client was closed, once, for {@code reason}. */
  public synchronized void assertClosed(CloseReason reason) {
    assertThat(closeReason).as("close reason of %s", id).isEqualTo(reason);
  }

  /** Asserts the client was never closed by the broadcaster. */
  public synchronized void assertOpen() {
    assertThat(closeReason).as("close reason of %s", id).isNull();
  }

  @Override
  public String toString() {
    return "RecordingClient[" + id + "]";
  }
}
