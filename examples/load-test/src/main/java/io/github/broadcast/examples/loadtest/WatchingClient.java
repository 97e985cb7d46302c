package io.github.broadcast.examples.loadtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A dashboard client on the JDK's WebSocket (many share one HttpClient: no thread per client). It
 * keeps the version it holds of every session (its view, for the convergence check) and measures
 * {@link Staleness} from the event counts it receives.
 */
final class WatchingClient implements WebSocket.Listener {

  private static final JsonFactory JSON = new JsonFactory();

  private final Map<String, Integer> sessionIndex = new HashMap<>();
  // Touched by this client's listener callbacks only, which the JDK runs one at a time.
  private final Staleness staleness;
  private final StringBuilder partial = new StringBuilder();
  private final Map<String, Long> versions = new HashMap<>();
  final AtomicLong frames = new AtomicLong();
  final AtomicLong sessionUpdates = new AtomicLong();

  /** The close code (or -1 for a transport error) and reason, when the connection ends. */
  final CompletableFuture<String> closed = new CompletableFuture<>();

  /** Completes on the first initial_state: the client is then fully connected. */
  final CompletableFuture<Void> ready = new CompletableFuture<>();

  private volatile boolean measuring;
  private WebSocket socket;

  WatchingClient(HookPoster poster, Histogram staleness) {
    this.staleness = new Staleness(poster.log, staleness);
    for (int s = 0; s < poster.sessionIds.length; s++) {
      sessionIndex.put(poster.sessionIds[s], s);
    }
  }

  CompletableFuture<WebSocket> connect(HttpClient http, URI ws) {
    return http.newWebSocketBuilder().buildAsync(ws, this).thenApply(s -> socket = s);
  }

  void startMeasuring() {
    frames.set(0);
    sessionUpdates.set(0);
    measuring = true;
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    if (last && partial.length() == 0) {
      handle(data.toString(), System.nanoTime()); // A whole message: no copy into the buffer.
    } else {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        handle(text, System.nanoTime());
      }
    }
    webSocket.request(1);
    return null;
  }

  /** One session entry of a frame: what the load test needs of it. */
  private record Entry(String id, long version, long eventCount, boolean removed) {}

  /**
   * Reads a frame with Jackson's streaming parser (no tree): at 1,000 clients the load generator
   * parses tens of megabytes a second, on the same two cores as the server.
   */
  void handle(String text, long now) {
    String type = null;
    List<Entry> entries = new ArrayList<>();
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("type")) {
          type = p.getText();
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
    } catch (IOException e) {
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
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "session_id" -> id = p.getText();
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

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(statusCode + (reason.isEmpty() ? "" : " " + reason));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete("-1 " + error);
  }

  void close() {
    if (socket != null && !closed.isDone()) {
      socket.abort();
    }
  }
}
