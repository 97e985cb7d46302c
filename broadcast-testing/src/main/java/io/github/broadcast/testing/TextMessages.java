package io.github.broadcast.testing;

import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A JDK WebSocket listener that gathers each whole text message, its fragments joined, as it
 * arrives: for tests that check raw text, where {@link WsTestClient} would parse the protocol.
 */
public final class TextMessages implements WebSocket.Listener {

  private final List<String> messages = new CopyOnWriteArrayList<>();
  private final StringBuilder partial = new StringBuilder(); // Only the JDK's read thread.

  @Override
  public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      messages.add(partial.toString());
      partial.setLength(0);
    }
    socket.request(1);
    return null;
  }

  /** Returns the messages so far, in arrival order; a live, thread-safe view. */
  public List<String> messages() {
    return messages;
  }
}
