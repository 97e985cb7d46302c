package io.github.broadcast.tyrus;

import io.github.broadcast.internal.Monitors;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.GenericCloseListener;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpHeader;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.HttpResponsePacket;
import org.glassfish.grizzly.http.Method;

/**
 * Remembers the WebSocket connections until they close, so that shutdown can wait for their close
 * frames to leave; and marks each one whose handshake Tyrus answered with 101, so that its frames
 * are read where they arrive ({@link UpgradedReadsInPlace}). It sees only handshakes the guard let
 * through. Every later read of such a connection is a frame, which the front door's filters pass on
 * untouched ({@link #isUpgraded}). Thread-safe.
 */
final class UpgradedConnections extends BaseFilter {

  private static final Attribute<Boolean> UPGRADED =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(
          UpgradedConnections.class.getName() + ".upgraded");

  private final Set<Connection<?>> open = ConcurrentHashMap.newKeySet();

  /** Whether {@code connection} carries a WebSocket: its reads are frames. */
  static boolean isUpgraded(Connection<?> connection) {
    return UPGRADED.isSet(connection);
  }

  /**
   * Whether a request is a WebSocket handshake: a GET asking to upgrade to {@code websocket} (RFC
   * 6455, 4.1). Any other request offering that upgrade is declined and served as HTTP/1.1 (see
   * {@link DeclineOtherUpgrades}), its body then bounded like any other.
   */
  static boolean isWebSocket(HttpHeader header) {
    return "websocket".equalsIgnoreCase(header.getUpgrade())
        && header instanceof HttpRequestPacket
        && Method.GET.equals(((HttpRequestPacket) header).getMethod());
  }

  /** The WebSocket connections not yet closed. */
  int size() {
    return open.size();
  }

  @Override
  @SuppressWarnings("deprecation") // Grizzly 4 has no close listener that is not deprecated.
  public NextAction handleRead(FilterChainContext ctx) {
    Connection<?> connection = ctx.getConnection();
    if (isUpgraded(connection) || !(ctx.getMessage() instanceof HttpContent)) {
      return ctx.getInvokeAction();
    }
    HttpContent content = ctx.getMessage();
    if (!content.getHttpHeader().isRequest() || !isWebSocket(content.getHttpHeader())) {
      return ctx.getInvokeAction();
    }
    HttpRequestPacket request = (HttpRequestPacket) content.getHttpHeader();
    UPGRADED.set(connection, Boolean.TRUE);
    open.add(connection);
    connection.addCloseListener(
        (GenericCloseListener)
            (closeable, type) -> {
              synchronized (open) {
                open.remove(connection);
                open.notifyAll();
              }
            });
    // Tyrus answers the handshake further down the chain; once it has said 101, the connection's
    // reads are frames.
    ctx.addCompletionListener(
        done -> {
          HttpResponsePacket response = request.getResponse(); // Null once recycled.
          if (response != null && response.getStatus() == 101) {
            UpgradedReadsInPlace.WEBSOCKET.set(connection, Boolean.TRUE);
          }
        });
    return ctx.getInvokeAction();
  }

  /**
   * Waits until every WebSocket connection has closed (Tyrus closes one once its close frame has
   * been written) or {@code deadlineNanos} ({@link System#nanoTime()}) passes; returns whether they
   * all closed.
   */
  boolean awaitClosed(long deadlineNanos) {
    return Monitors.awaitEmpty(open, deadlineNanos);
  }
}
