package io.github.broadcast.examples.loadtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * A dashboard client's reading of the wire protocol: it keeps the version and event count it holds
 * of every session (its view, for the convergence check) and measures {@link Staleness} from the
 * event counts it receives. Its connection is a {@link Fleet}'s, which hands it each text message
 * as bytes (inflated first when compressed).
 *
 * <p>Patches ({@code ?delta=1}): an entry with a {@code base} is an RFC 7386 merge patch of the
 * state at that version, and carries {@code event_count} inside {@code patch} only when it changed.
 * It is applied only if the client holds exactly version {@code base} of that session; a newer
 * patch whose base it does not hold is counted in {@link #patchMisses} and dropped (the client has
 * then lost that session's state: the run must show it). An entry no newer than the version held
 * (tombstones included) is ignored, patch or not: duplicates and reordering are harmless.
 */
final class WatchingClient {

  private static final JsonFactory JSON = new JsonFactory();

  /** A patch that does not say the event count: the held one stays. */
  private static final long NOT_CARRIED = -1;

  /** What the client holds of one session; a removed one is kept as a tombstone at its version. */
  private static final class Held {
    long version;
    long eventCount;
    boolean removed;
  }

  private final Map<String, Integer> sessionIndex = new HashMap<>();
  // Touched by its connection's loop thread only; views are read under the held map's monitor.
  private final Staleness staleness;
  final String project; // The project it watches, or null for every one.
  private final Map<String, Held> held = new HashMap<>();
  final AtomicLong frames = new AtomicLong();
  final AtomicLong sessionUpdates = new AtomicLong();

  /** Patches applied while measuring. */
  final AtomicLong patchesApplied = new AtomicLong();

  /**
   * Patches newer than the version held whose base was not the version held, over the whole
   * connection (warm-up included): must stay 0, else the client's view is wrong.
   */
  final AtomicLong patchMisses = new AtomicLong();

  /**
   * Bytes received on the socket while measuring, after the handshake: every frame's header and
   * payload as they came (compressed, when they were).
   */
  final AtomicLong wireBytes = new AtomicLong();

  /** Whether the server accepted permessage-deflate on this client's connection. */
  volatile boolean deflated;

  /** The close code (or -1 for a transport error) and reason, when the connection ends. */
  final CompletableFuture<String> closed = new CompletableFuture<>();

  /** Completes on the first initial_state: the client is then fully connected. */
  final CompletableFuture<Void> ready = new CompletableFuture<>();

  private volatile boolean measuring;

  WatchingClient(HookPoster poster, StalenessHistograms staleness) {
    this(poster, staleness, null, null);
  }

  /**
   * A client that watches {@code project} only ({@code scenario.projectOf}); null: every session.
   */
  WatchingClient(
      HookPoster poster, StalenessHistograms staleness, Scenario scenario, String project) {
    boolean[] watched = project == null ? null : new boolean[poster.sessionIds.length];
    for (int s = 0; s < poster.sessionIds.length; s++) {
      if (watched == null || project.equals(scenario.projectOf(s))) {
        sessionIndex.put(poster.sessionIds[s], s);
        if (watched != null) {
          watched[s] = true;
        }
      }
    }
    this.staleness = new Staleness(poster.log, staleness, watched);
    this.project = project;
  }

  void startMeasuring() {
    frames.set(0);
    sessionUpdates.set(0);
    patchesApplied.set(0);
    wireBytes.set(0);
    measuring = true;
  }

  /** Counts {@code bytes} received on the wire (a frame's header and payload), if measuring. */
  void received(int bytes) {
    if (measuring) {
      wireBytes.addAndGet(bytes);
    }
  }

  /**
   * One session entry of a frame: what the load test needs of it. {@code base} is -1 for a whole
   * state; {@code eventCount} is {@link #NOT_CARRIED} for a patch that does not change it.
   */
  private record Entry(String id, long version, long base, long eventCount, boolean removed) {}

  /** As {@link #handle(byte[], int, int, long)}, for a message given as text. */
  void handle(String text, long now) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    handle(bytes, 0, bytes.length, now);
  }

  /**
   * Reads a message from its UTF-8 bytes with Jackson's streaming parser (no tree, no string): at
   * 1,000 clients the load generator parses a hundred megabytes a second, on the same two cores as
   * the server.
   */
  void handle(byte[] data, int offset, int length, long now) {
    String type = null;
    boolean resumed = false;
    List<Entry> entries = new ArrayList<>();
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), data, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("type")) {
          type = p.getString();
        } else if (field.equals("since")) {
          resumed = value != JsonToken.VALUE_NULL;
        } else if (field.equals("session") && value == JsonToken.START_OBJECT) {
          entries.add(entry(p));
        } else if (field.equals("sessions") && value == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            entries.add(entry(p));
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException | JacksonException e) {
      return; // Not JSON: not ours to judge here; the convergence check will tell.
    }
    if (type == null) {
      return;
    }
    if (measuring) {
      frames.incrementAndGet();
    }
    switch (type) {
      case "initial_state":
        if (!resumed) { // A resumed one holds only what changed: merged by the version rule.
          synchronized (held) {
            held.clear();
          }
        }
        entries.forEach(e -> apply(e, now));
        ready.complete(null);
        break;
      case "session_update":
      case "batch_update":
        entries.forEach(e -> apply(e, now));
        break;
      default:
        break;
    }
  }

  private static Entry entry(JsonParser p) throws IOException {
    String id = null;
    long version = 0;
    long base = -1;
    long eventCount = 0;
    long patchCount = NOT_CARRIED;
    boolean removed = false;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "session_id" -> id = p.getString();
        case "version" -> version = p.getLongValue();
        case "base" -> base = value.isNumeric() ? p.getLongValue() : -1;
        case "event_count" -> eventCount = value.isNumeric() ? p.getLongValue() : 0;
        case "removed" -> removed = value == JsonToken.VALUE_TRUE;
        case "patch" -> patchCount = value == JsonToken.START_OBJECT ? patchCount(p) : skip(p);
        default -> p.skipChildren();
      }
    }
    return base >= 0
        ? new Entry(id, version, base, patchCount, false)
        : new Entry(id, version, -1, eventCount, removed);
  }

  /**
   * Reads a merge patch's members for the event count: its value, 0 if the patch removes it (null),
   * or {@link #NOT_CARRIED}.
   */
  private static long patchCount(JsonParser p) throws IOException {
    long count = NOT_CARRIED;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (field.equals("event_count")) {
        count = value.isNumeric() ? p.getLongValue() : 0;
      }
      p.skipChildren();
    }
    return count;
  }

  private static long skip(JsonParser p) throws IOException {
    p.skipChildren();
    return NOT_CARRIED;
  }

  private void apply(Entry entry, long now) {
    if (entry.id() == null) {
      return;
    }
    if (measuring) {
      sessionUpdates.incrementAndGet();
    }
    long count;
    synchronized (held) {
      Held h = held.get(entry.id());
      if (h != null && entry.version() <= h.version) {
        return; // Not newer than what it holds (tombstones included): a repeat or reordered.
      }
      if (entry.base() >= 0) {
        if (h == null || h.removed || h.version != entry.base()) {
          patchMisses.incrementAndGet(); // It does not hold the base: the patch cannot apply.
          return;
        }
        if (measuring) {
          patchesApplied.incrementAndGet();
        }
        h.version = entry.version();
        if (entry.eventCount() != NOT_CARRIED) {
          h.eventCount = entry.eventCount();
        }
      } else {
        if (h == null) {
          h = new Held();
          held.put(entry.id(), h);
        }
        h.version = entry.version();
        h.removed = entry.removed();
        h.eventCount = entry.removed() ? 0 : entry.eventCount();
      }
      count = h.eventCount;
    }
    Integer s = sessionIndex.get(entry.id());
    if (s != null) {
      staleness.holds(s, count, now);
    }
  }

  /**
   * Ends this client's measurement (see {@link Staleness#finish}); returns how many measured events
   * it never received.
   */
  long finish(long now) {
    return staleness.finish(now);
  }

  /** The client's view: session id to the version it holds (removed sessions left out). */
  Map<String, Long> view() {
    Map<String, Long> view = new HashMap<>();
    synchronized (held) {
      held.forEach(
          (id, h) -> {
            if (!h.removed) {
              view.put(id, h.version);
            }
          });
    }
    return view;
  }

  /** The event count the client holds of {@code sessionId}, or -1 if it holds none. */
  long eventCount(String sessionId) {
    synchronized (held) {
      Held h = held.get(sessionId);
      return h == null || h.removed ? -1 : h.eventCount;
    }
  }
}
