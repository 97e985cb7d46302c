package io.github.broadcast.tyrus;

import java.io.IOException;
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
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpHeader;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.HttpResponsePacket;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.memory.Buffers;

/**
 * Refuses a WebSocket handshake from a foreign Origin with a complete {@code 403} response and
 * closes the connection, before Tyrus sees it. Tyrus 2.2 refuses the same handshake itself, but
 * its {@code GrizzlyServerFilter} writes the 403 head with no length and keeps the connection
 * open, so a client waits for a body that never comes (curl and the JDK client both hang).
 *
 * <p>Runs on Grizzly's worker threads; the per-connection flag makes every message after the
 * first a single attribute read.
 */
final class OriginFilter extends BaseFilter {

  private static final Attribute<Boolean> CHECKED =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(OriginFilter.class.getName() + ".checked");
  private static final byte[] FORBIDDEN =
      "origin not allowed\n".getBytes(StandardCharsets.US_ASCII);

  private final String path;
  // Set once the endpoint is deployed: its same-origin list needs the port bound at start.
  private volatile HandshakePolicy policy;

  OriginFilter(String path) {
    this.path = path;
  }

  void policy(HandshakePolicy policy) {
    this.policy = policy;
  }

  /** The add-on that puts this filter in front of Grizzly's HTTP server filter. */
  AddOn addOn() {
    return (listener, builder) -> {
      int index = builder.indexOfType(org.glassfish.grizzly.http.server.HttpServerFilter.class);
      if (index >= 0) {
        builder.add(index, this);
      }
    };
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
    if (current == null
        || !path.equals(request.getRequestURI())
        || current.checkOrigin(request.getHeader("Origin"))) {
      return ctx.getInvokeAction();
    }
    HttpResponsePacket response = request.getResponse();
    response.setStatus(403);
    response.setReasonPhrase("Forbidden");
    response.setContentType("text/plain");
    response.setContentLength(FORBIDDEN.length);
    response.setHeader("Connection", "close");
    Buffer body = Buffers.wrap(ctx.getMemoryManager(), FORBIDDEN);
    ctx.write(HttpContent.builder(response).content(body).last(true).build(), closeAfter(connection));
    message.recycle();
    return ctx.getStopAction();
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
