package io.github.broadcast.tyrus;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.CompletionHandler;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.FilterChainEvent;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpEvents;
import org.glassfish.grizzly.http.HttpHeader;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.HttpResponsePacket;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpServerFilter;
import org.glassfish.grizzly.memory.Buffers;

/**
 * Refuses a WebSocket handshake from a foreign Origin ({@code 403}) or without the required token
 * ({@code 401}) with a complete response, and closes the connection, before Tyrus sees it. Tyrus
 * 2.2 refuses a foreign origin itself, but its {@code GrizzlyServerFilter} writes the 403 head with
 * no length and keeps the connection open, so a client waits for a body that never comes (curl and
 * the JDK client both hang).
 *
 * <p>It also declines every upgrade other than WebSocket, such as the {@code h2c} upgrade the JDK's
 * HttpClient offers on plain {@code http://}: Grizzly reads the body of any upgrade request as a
 * raw stream, ignoring its Content-Length, so a POST offering {@code h2c} would never end. A server
 * may ignore an upgrade it does not do (RFC 9110, 7.8); the request is then served as HTTP/1.1.
 *
 * <p>Runs on Grizzly's worker threads; the per-connection flag makes every message after the first
 * a single attribute read.
 */
final class HandshakeFilter extends BaseFilter {

  private static final Attribute<Boolean> CHECKED =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(
          HandshakeFilter.class.getName() + ".checked");

  private final String path;
  // Set once the endpoint is deployed: its same-origin list needs the port bound at start.
  private volatile HandshakePolicy policy;

  HandshakeFilter(String path) {
    this.path = path;
  }

  void policy(HandshakePolicy policy) {
    this.policy = policy;
  }

  /** The add-on that puts this filter in front of Grizzly's HTTP server filter. */
  AddOn addOn() {
    return (listener, builder) -> {
      int index = builder.indexOfType(HttpServerFilter.class);
      if (index >= 0) {
        builder.add(index, this);
      }
    };
  }

  @Override
  public NextAction handleEvent(FilterChainContext ctx, FilterChainEvent event) throws IOException {
    if (event.type() == HttpEvents.IncomingHttpUpgradeEvent.TYPE) {
      HttpHeader header = ((HttpEvents.IncomingHttpUpgradeEvent) event).getHttpHeader();
      if (!"websocket".equalsIgnoreCase(header.getUpgrade())) {
        header.getUpgradeDC().recycle();
        header.setIgnoreContentModifiers(false);
      }
    }
    return ctx.getInvokeAction();
  }

  @Override
  public NextAction handleRead(FilterChainContext ctx) throws IOException {
    Connection<?> connection = ctx.getConnection();
    if (CHECKED.isSet(connection)) {
      return ctx.getInvokeAction();
    }
    HttpContent message = ctx.getMessage();
    HttpHeader header = message.getHttpHeader();
    if (!header.isRequest() || !"websocket".equalsIgnoreCase(header.getUpgrade())) {
      return ctx.getInvokeAction();
    }
    CHECKED.set(connection, Boolean.TRUE);
    HttpRequestPacket request = (HttpRequestPacket) header;
    HandshakePolicy current = policy;
    if (current == null || !path.equals(request.getRequestURI())) {
      return ctx.getInvokeAction();
    }
    int status;
    String reason;
    if (!current.checkOrigin(request.getHeader("Origin"))) {
      status = 403;
      reason = "Forbidden";
    } else if (!current.checkToken(tokenOf(request.getQueryString()))) {
      status = 401;
      reason = "Unauthorized";
    } else {
      return ctx.getInvokeAction();
    }
    byte[] text =
        (status == 403 ? "origin not allowed\n" : "token required\n")
            .getBytes(StandardCharsets.US_ASCII);
    HttpResponsePacket response = request.getResponse();
    response.setStatus(status);
    response.setReasonPhrase(reason);
    response.setContentType("text/plain");
    response.setContentLength(text.length);
    response.setHeader("Connection", "close");
    Buffer body = Buffers.wrap(ctx.getMemoryManager(), text);
    ctx.write(
        HttpContent.builder(response).content(body).last(true).build(), closeAfter(connection));
    message.recycle();
    return ctx.getStopAction();
  }

  /** Returns the {@code token} query parameter, decoded, or null. */
  static String tokenOf(String query) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("token=")) {
        return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  @SuppressWarnings("rawtypes") // Grizzly's FilterChainContext.write takes a raw WriteResult.
  private static CompletionHandler<WriteResult> closeAfter(Connection<?> connection) {
    return new EmptyCompletionHandler<WriteResult>() {
      @Override
      public void completed(WriteResult result) {
        connection.closeSilently();
      }

      @Override
      public void failed(Throwable error) {
        connection.closeSilently();
      }
    };
  }
}
