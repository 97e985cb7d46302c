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
 * A dashboard client's reading of the wire protocol: it keeps the version it holds of every session
 * (its view, for the convergence check) and measures {@link Staleness} from the event counts it
 * receives. Its connection is a {@link Fleet}'s, which hands it each text message as bytes.
 */
final class WatchingClient {

  private static final JsonFactory JSON = new JsonFactory();

  private final Map<String, Integer> sessionIndex = new HashMap<>();
  // Touched by its connection's loop thread only; views are read under the versions' monitor.
  private final Staleness staleness;
  private final Map<String, Long> versions = new HashMap<>();
  final AtomicLong frames = new AtomicLong();
  final AtomicLong sessionUpdates = new AtomicLong();

  /** The close code (or -1 for a transport error) and reason, when the connection ends. */
  final CompletableFuture<String> closed = new CompletableFuture<>();

  /** Completes on the first initial_state: the client is then fully connected. */
  final CompletableFuture<Void> ready = new CompletableFuture<>();

  private volatile boolean measuring;

  WatchingClient(HookPoster poster, StalenessHistograms staleness) {
    this.staleness = new Staleness(poster.log, staleness);
    for (int s = 0; s < poster.sessionIds.length; s++) {
      sessionIndex.put(poster.sessionIds[s], s);
    }
  }

  void startMeasuring() {
    frames.set(0);
    sessionUpdates.set(0);
    measuring = true;
  }

  /** One session entry of a frame: what the load test needs of it. */
  private record Entry(String id, long version, long eventCount, boolean removed) {}

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
        synchronized (versions) {
          versions.clear();
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
    long eventCount = 0;
    boolean removed = false;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "session_id" -> id = p.getString();
        case "version" -> version = p.getLongValue();
        case "event_count" -> eventCount = value.isNumeric() ? p.getLongValue() : 0;
        case "removed" -> removed = value == JsonToken.VALUE_TRUE;
        default -> p.skipChildren();
      }
    }
    return new Entry(id, version, eventCount, removed);
  }

  private void apply(Entry entry, long now) {
    if (entry.id() == null) {
      return;
    }
    if (measuring) {
      sessionUpdates.incrementAndGet();
    }
    synchronized (versions) {
      if (entry.removed()) {
        versions.remove(entry.id());
      } else {
        versions.merge(entry.id(), entry.version(), Math::max);
      }
    }
    Integer s = sessionIndex.get(entry.id());
    if (s != null) {
      staleness.holds(s, entry.eventCount(), now);
    }
  }

  /**
   * Ends this client's measurement (see {@link Staleness#finish}); returns how many measured events
   * it never received.
   */
  long finish(long now) {
    return staleness.finish(now);
  }

  /** The client's view: session id to the version it holds. */
  Map<String, Long> view() {
    synchronized (versions) {
      return new HashMap<>(versions);
    }
  }
}
