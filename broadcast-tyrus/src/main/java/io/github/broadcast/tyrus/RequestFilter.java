package io.github.broadcast.tyrus;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.CloseType;
import org.glassfish.grizzly.Closeable;
import org.glassfish.grizzly.CompletionHandler;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.GenericCloseListener;
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
import org.glassfish.grizzly.http.util.HttpStatus;
import org.glassfish.grizzly.memory.Buffers;

/**
 * The embedded server's front door, a Grizzly filter in front of Tyrus' and Grizzly's HTTP server
 * filters. For each request, before any handler or Tyrus sees it:
 *
 * <ul>
 *   <li>the {@link RequestGuard} decides on its head (shutdown, Host, Origin, token); a refusal or
 *       a redirect is answered here, completely, and the connection is closed (Tyrus alone would
 *       leave a refused handshake hanging: its 403 has no length and keeps the connection open);
 *   <li>its body is gathered here, without a thread: the request reaches its handler only once the
 *       whole body has arrived, so a handler's blocking read never waits on the network and a slow
 *       sender pins no worker. A body over the size limit gets 413; one that has not arrived within
 *       the deadline gets 408 from a timer, and its request never reaches a handler. A client that
 *       waits for {@code 100 Continue} gets it when its body starts to be gathered.
 * </ul>
 *
 * <p>It also declines every upgrade other than WebSocket, such as the {@code h2c} upgrade the JDK's
 * HttpClient offers on plain {@code http://}: Grizzly reads the body of any upgrade request as a
 * raw stream, ignoring its Content-Length, so a POST offering {@code h2c} would never end. A server
 * may ignore an upgrade it does not do (RFC 9110, 7.8); the request is then served as HTTP/1.1.
 *
 * <p>Upgraded connections are remembered until they close, so that shutdown can wait for their
 * close frames to leave. Runs on Grizzly's worker threads (on selector threads for the frames of an
 * upgraded connection, which it passes on; see UpgradedReadsInPlace) and, for deadlines, on the
 * timer.
 */
final class RequestFilter extends BaseFilter {

  private static final Attribute<Boolean> UPGRADED =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(
          RequestFilter.class.getName() + ".upgraded");
  // Set once an answer ends the connection: whatever else arrives on it is dropped, never read as
  // the head of a new request (the rest of a refused chunked body would otherwise look like one).
  private static final Attribute<Boolean> ENDED =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(RequestFilter.class.getName() + ".ended");
  private static final Attribute<PendingBody> PENDING =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(RequestFilter.class.getName() + ".pending");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How long a refused request's body may keep arriving before the connection is closed. */
  static final long LINGER_MILLIS = 2_000;

  private final int maxBodyBytes;
  private final long bodyTimeoutNanos;
  private final ScheduledExecutorService timer;
  private final Set<Connection<?>> upgraded = ConcurrentHashMap.newKeySet();
  private final Counters counters = new Counters();
  // Set once the server is bound: the names it answers to need the port.
  private volatile RequestGuard guard;

  RequestFilter(int maxBodyBytes, long bodyTimeoutNanos, ScheduledExecutorService timer) {
    this.maxBodyBytes = maxBodyBytes;
    this.bodyTimeoutNanos = bodyTimeoutNanos;
    this.timer = timer;
  }

  void start(RequestGuard guard) {
    this.guard = guard;
  }

  /** The WebSocket connections not yet closed. */
  Set<Connection<?>> upgraded() {
    return upgraded;
  }

  /**
   * Waits until every WebSocket connection has closed (Tyrus closes one once its close frame has
   * been written) or {@code deadlineNanos} ({@link System#nanoTime()}) passes; returns whether they
   * all closed.
   */
  boolean awaitUpgradedClosed(long deadlineNanos) {
    synchronized (upgraded) {
      while (!upgraded.isEmpty()) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(upgraded, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  HttpStats stats() {
    return counters.snapshot();
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
      if (!isWebSocket(header)) {
        header.getUpgradeDC().recycle();
        header.setIgnoreContentModifiers(false);
      }
    }
    return ctx.getInvokeAction();
  }

  @Override
  @SuppressWarnings("deprecation") // Grizzly 4 has no close listener that is not deprecated.
  public NextAction handleRead(FilterChainContext ctx) throws IOException {
    Connection<?> connection = ctx.getConnection();
    if (UPGRADED.isSet(connection)) {
      return ctx.getInvokeAction(); // WebSocket frames.
    }
    if (!(ctx.getMessage() instanceof HttpContent)) {
      return ctx.getInvokeAction();
    }
    HttpContent content = ctx.getMessage();
    if (ENDED.isSet(connection)) {
      // The rest of a refused request: read and dropped, so that closing the connection sends no
      // reset (which can destroy the answer before the client reads it); its end closes it.
      if (content.isLast()) {
        connection.closeSilently();
      }
      content.recycle();
      return ctx.getStopAction();
    }
    if (!content.getHttpHeader().isRequest()) {
      return ctx.getInvokeAction();
    }
    HttpRequestPacket request = (HttpRequestPacket) content.getHttpHeader();
    PendingBody pending = PENDING.get(connection);
    if (pending == null) { // The head of a new request.
      RequestGuard current = guard;
      RequestGuard.Verdict verdict =
          current == null
              ? new RequestGuard.Verdict(
                  503, "the server is starting", RequestGuard.Refusal.SHUTTING_DOWN, null, null)
              : current.check(head(request));
      if (!verdict.allowed()) {
        count(verdict.refusal());
        answer(connection, request.getMethodDC().toString(), verdict, !content.isLast());
        content.recycle();
        return ctx.getStopAction();
      }
      if (isWebSocket(request)) {
        UPGRADED.set(connection, Boolean.TRUE);
        upgraded.add(connection);
        connection.addCloseListener(
            (GenericCloseListener)
                (closeable, type) -> {
                  synchronized (upgraded) {
                    upgraded.remove(connection);
                    upgraded.notifyAll();
                  }
                });
        // Tyrus answers the handshake further down the chain; once it has said 101, the
        // connection's reads are frames (see UpgradedReadsInPlace).
        ctx.addCompletionListener(
            done -> {
              if (request.getResponse().getStatus() == 101) {
                UpgradedReadsInPlace.WEBSOCKET.set(connection, Boolean.TRUE);
              }
            });
        return ctx.getInvokeAction();
      }
      if (request.getContentLength() > maxBodyBytes
          || content.getContent().remaining() > maxBodyBytes) {
        return tooLarge(ctx, connection, content, null);
      }
      if (content.isLast()) {
        return ctx.getInvokeAction(); // The whole request is here.
      }
      pending = new PendingBody(connection);
      PENDING.set(connection, pending);
      if (request.requiresAcknowledgement()) {
        // The sender waits for 100 Continue before its body; Grizzly would send it only when a
        // handler runs, which waits for the body.
        HttpResponsePacket response = request.getResponse();
        response.setStatus(HttpStatus.CONINTUE_100);
        response.setAcknowledgement(true);
        ctx.write(response);
      }
    }
    if (content.getContent().remaining() > maxBodyBytes) {
      return tooLarge(ctx, connection, content, pending);
    }
    if (!content.isLast()) {
      return ctx.getStopAction(content); // Grizzly appends the next chunk to it.
    }
    PENDING.remove(connection);
    if (!pending.finish()) {
      content.recycle(); // Too late: the 408 has gone out.
      return ctx.getStopAction();
    }
    return ctx.getInvokeAction();
  }

  private NextAction tooLarge(
      FilterChainContext ctx, Connection<?> connection, HttpContent content, PendingBody pending) {
    if (pending != null) {
      PENDING.remove(connection);
      if (!pending.finish()) {
        content.recycle();
        return ctx.getStopAction();
      }
    }
    counters.bodiesTooLarge.increment();
    answer(
        connection,
        "POST",
        new RequestGuard.Verdict(
            413, "request body is over the limit of " + maxBodyBytes + " bytes", null, null, null),
        !content.isLast());
    content.recycle();
    return ctx.getStopAction();
  }

  private void count(RequestGuard.Refusal refusal) {
    if (refusal == null) {
      return; // A redirect.
    }
    switch (refusal) {
      case HOST -> counters.refusedHost.increment();
      case ORIGIN -> counters.refusedOrigin.increment();
      case TOKEN -> counters.refusedToken.increment();
      case SHUTTING_DOWN -> counters.refusedShuttingDown.increment();
    }
  }

  private static RequestGuard.Head head(HttpRequestPacket request) {
    return new RequestGuard.Head(
        request.getMethodDC().toString(),
        request.getRequestURI(),
        request.getQueryString(),
        request.getHeader("Host"),
        request.getHeader("Origin"),
        request.getHeader("Authorization"),
        request.getHeader("Cookie"),
        isWebSocket(request));
  }

  private static boolean isWebSocket(HttpHeader header) {
    return "websocket".equalsIgnoreCase(header.getUpgrade());
  }

  /**
   * Writes a complete answer (a JSON error, or a redirect) and closes the connection once it has
   * left. Written as bytes through the connection, so the timer can answer too.
   */
  void answer(Connection<?> connection, String method, RequestGuard.Verdict verdict, boolean more) {
    ENDED.set(connection, Boolean.TRUE);
    byte[] body = new byte[0];
    StringBuilder head =
        new StringBuilder("HTTP/1.1 ")
            .append(verdict.status())
            .append(' ')
            .append(HttpStatus.getHttpStatus(verdict.status()).getReasonPhrase())
            .append("\r\n");
    if (verdict.location() != null) {
      head.append("Location: ").append(verdict.location()).append("\r\n");
      head.append("Set-Cookie: ").append(verdict.setCookie()).append("\r\n");
    } else {
      body =
          JSON.createObjectNode()
              .put("error", verdict.message())
              .put("status", verdict.status())
              .toString()
              .getBytes(StandardCharsets.UTF_8);
      head.append("Content-Type: application/json\r\n");
      if (verdict.status() == 401) {
        head.append("WWW-Authenticate: Bearer\r\n");
      } else if (verdict.status() == 503) {
        head.append("Retry-After: 1\r\n");
      }
    }
    if ("HEAD".equals(method)) {
      body = new byte[0];
    }
    head.append("Cache-Control: no-store\r\n")
        .append("Content-Length: ")
        .append(body.length)
        .append("\r\nConnection: close\r\n\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] bytes = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, bytes, 0, headBytes.length);
    System.arraycopy(body, 0, bytes, headBytes.length, body.length);
    Buffer buffer = Buffers.wrap(connection.getMemoryManager(), bytes);
    write(connection, buffer, lingerThenClose(connection, more));
  }

  @SuppressWarnings({"rawtypes", "unchecked"}) // Grizzly's write is generic in its peer address.
  private static void write(
      Connection connection, Buffer buffer, CompletionHandler<WriteResult> handler) {
    connection.write(buffer, handler);
  }

  /**
   * Closes the connection once the answer has left: at once if the request was complete ({@code
   * !more}), else when the rest of its body has been read and dropped, or {@value #LINGER_MILLIS}
   * ms later at the latest (a client that keeps sending after a refusal does not keep it open).
   */
  @SuppressWarnings("rawtypes") // Grizzly's Connection.write takes a raw WriteResult handler.
  private CompletionHandler<WriteResult> lingerThenClose(Connection<?> connection, boolean more) {
    return new EmptyCompletionHandler<WriteResult>() {
      @Override
      public void completed(WriteResult result) {
        if (more) {
          timer.schedule(connection::closeSilently, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } else {
          connection.closeSilently();
        }
      }

      @Override
      public void failed(Throwable error) {
        connection.closeSilently();
      }
    };
  }

  /**
   * A body being gathered: whichever comes first, its last chunk or its deadline, decides; the
   * other then does nothing.
   */
  @SuppressWarnings("deprecation") // Grizzly 4 has no close listener that is not deprecated.
  private final class PendingBody implements GenericCloseListener {
    private final Connection<?> connection;
    private final AtomicBoolean decided = new AtomicBoolean();
    private final ScheduledFuture<?> deadline;

    PendingBody(Connection<?> connection) {
      this.connection = connection;
      connection.addCloseListener(this);
      this.deadline = timer.schedule(this::expire, bodyTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** The body is complete (or refused); returns false if the deadline came first. */
    boolean finish() {
      if (!decided.compareAndSet(false, true)) {
        return false;
      }
      deadline.cancel(false);
      connection.removeCloseListener(this);
      return true;
    }

    /** The sender went away first: nothing to answer. */
    @Override
    public void onClosed(Closeable closeable, CloseType type) {
      if (decided.compareAndSet(false, true)) {
        deadline.cancel(false);
      }
    }

    void expire() {
      if (decided.compareAndSet(false, true)) {
        counters.bodiesTimedOut.increment();
        answer(
            connection,
            "POST",
            new RequestGuard.Verdict(
                408,
                "the request body did not arrive within "
                    + TimeUnit.NANOSECONDS.toMillis(bodyTimeoutNanos)
                    + " ms; it was not applied",
                null,
                null,
                null),
            true);
      }
    }
  }

  private static final class Counters {
    final LongAdder refusedHost = new LongAdder();
    final LongAdder refusedOrigin = new LongAdder();
    final LongAdder refusedToken = new LongAdder();
    final LongAdder refusedShuttingDown = new LongAdder();
    final LongAdder bodiesTooLarge = new LongAdder();
    final LongAdder bodiesTimedOut = new LongAdder();

    HttpStats snapshot() {
      return new HttpStats(
          refusedHost.sum(),
          refusedOrigin.sum(),
          refusedToken.sum(),
          refusedShuttingDown.sum(),
          bodiesTooLarge.sum(),
          bodiesTimedOut.sum());
    }
  }
}
