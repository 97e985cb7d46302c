package io.github.broadcast.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A {@code java.net.http.WebSocket} client that feeds every text message into a {@link
 * RecordingClient}: the end-to-end twin of the in-memory fake, with the same view and protocol
 * checks. Many of them share one {@link HttpClient}: no thread per client.
 */
public final class WsTestClient implements WebSocket.Listener {

  private final RecordingClient recorder;
  private final StringBuilder partial = new StringBuilder();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private volatile WebSocket socket;

  private WsTestClient(RecordingClient recorder) {
    this.recorder = recorder;
  }

  /**
   * Connects to {@code uri} with {@code recorder} keeping the view (one set up to take patches or
   * to continue another's view); waits for the handshake.
   */
  public static WsTestClient connect(HttpClient http, URI uri, RecordingClient recorder)
      throws Exception {
    WsTestClient client = new WsTestClient(recorder);
    client.socket =
        http.newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .buildAsync(uri, client)
            .get(10, TimeUnit.SECONDS);
    return client;
  }

  /** Connects to {@code uri}, sending {@code origin} if non-null; waits for the handshake. */
  public static WsTestClient connect(HttpClient http, URI uri, String id, String origin)
      throws Exception {
    return connectWith(http, uri, id, origin == null ? Map.of() : Map.of("Origin", origin));
  }

  /** Connects to {@code uri} with extra handshake headers ({@code Cookie}, {@code Origin}). */
  public static WsTestClient connectWith(
      HttpClient http, URI uri, String id, Map<String, String> headers) throws Exception {
    return connectWith(http, uri, new RecordingClient(id), headers);
  }

  /** Connects to {@code uri} with {@code recorder} keeping the view, and extra headers. */
  public static WsTestClient connectWith(
      HttpClient http, URI uri, RecordingClient recorder, Map<String, String> headers)
      throws Exception {
    WsTestClient client = new WsTestClient(recorder);
    WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(builder::header);
    client.socket = builder.buildAsync(uri, client).get(10, TimeUnit.SECONDS);
    return client;
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    synchronized (partial) {
      partial.append(data);
      if (last) {
        recorder.receive(partial.toString());
        partial.setLength(0);
      }
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeCode.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closeCode.complete(-1);
  }

  /** Returns the recorder holding this client's messages and view. */
  public RecordingClient recorder() {
    return recorder;
  }

  /** Sends a text message and waits until it is written. */
  public void send(String text) {
    socket.sendText(text, true).join();
  }

  /** Starts sending a text message; the stage fails if the server closes meanwhile. */
  public CompletableFuture<WebSocket> sendAsync(String text) {
    return socket.sendText(text, true);
  }

  /** Sends a binary message. */
  public void sendBinary(byte[] data) {
    socket.sendBinary(ByteBuffer.wrap(data), true).join();
  }

  /** Returns the close code the server sent, or -1 on an error; incomplete while open. */
  public CompletableFuture<Integer> closeCode() {
    return closeCode;
  }

  /** Closes normally (1000) and waits for the server's answer. */
  public void close() {
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
  }

  /** Drops the connection without a close frame. */
  public void abort() {
    socket.abort();
  }
}
