package io.github.broadcast.tyrus;

import java.io.IOException;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.FilterChainEvent;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpEvents;
import org.glassfish.grizzly.http.HttpHeader;

/**
 * Declines every upgrade but a WebSocket handshake (a GET), such as the {@code h2c} upgrade the
 * JDK's HttpClient offers on plain {@code http://}, or a POST offering {@code websocket}: Grizzly
 * reads the body of any upgrade request as a raw stream, ignoring its Content-Length, so such a
 * POST would never end, and its handler would read without a bound or a deadline. A server may
 * ignore an upgrade it does not do (RFC 9110, 7.8); the request is then served as HTTP/1.1.
 * Stateless.
 */
final class DeclineOtherUpgrades extends BaseFilter {

  @Override
  public NextAction handleEvent(FilterChainContext ctx, FilterChainEvent event) throws IOException {
    if (event.type() == HttpEvents.IncomingHttpUpgradeEvent.TYPE) {
      HttpHeader header = ((HttpEvents.IncomingHttpUpgradeEvent) event).getHttpHeader();
      if (!UpgradedConnections.isWebSocket(header)) {
        header.getUpgradeDC().recycle();
        header.setIgnoreContentModifiers(false);
      }
    }
    return ctx.getInvokeAction();
  }
}
