package io.github.broadcast.tyrus;

import java.util.concurrent.atomic.LongAdder;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpRequestPacket;

/**
 * The first of the front door's filters: the {@link RequestGuard} decides on each request's head
 * (shutdown, Host, Origin, token) before any other filter, handler or Tyrus sees it, and a refusal
 * or a redirect is answered here, completely ({@link Answers}: Tyrus alone would leave a refused
 * handshake hanging, its 403 having no length and the connection open). It also drops whatever
 * still arrives on a connection that was answered. Runs on Grizzly's worker threads. Thread-safe.
 */
final class GuardFilter extends BaseFilter {

  // Set while the body of a request the guard allowed is arriving: its later chunks are no head.
  private static final Attribute<Boolean> IN_BODY =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(GuardFilter.class.getName() + ".inBody");

  private final Answers answers;
  private final LongAdder refusedHost = new LongAdder();
  private final LongAdder refusedOrigin = new LongAdder();
  private final LongAdder refusedToken = new LongAdder();
  private final LongAdder refusedShuttingDown = new LongAdder();
  // Set once the server is bound: the names it answers to need the port.
  private volatile RequestGuard guard;

  GuardFilter(Answers answers) {
    this.answers = answers;
  }

  void start(RequestGuard guard) {
    this.guard = guard;
  }

  @Override
  public NextAction handleRead(FilterChainContext ctx) {
    Connection<?> connection = ctx.getConnection();
    if (UpgradedConnections.isUpgraded(connection) || !(ctx.getMessage() instanceof HttpContent)) {
      return ctx.getInvokeAction(); // WebSocket frames, or not HTTP.
    }
    HttpContent content = ctx.getMessage();
    NextAction dropped = Answers.dropIfAnswered(ctx, content);
    if (dropped != null) {
      return dropped;
    }
    if (!content.getHttpHeader().isRequest()) {
      return ctx.getInvokeAction();
    }
    if (IN_BODY.isSet(connection)) { // A later chunk of a request already judged.
      if (content.isLast()) {
        IN_BODY.remove(connection);
      }
      return ctx.getInvokeAction();
    }
    HeadDeadline.headArrived(connection);
    HttpRequestPacket request = (HttpRequestPacket) content.getHttpHeader();
    RequestGuard current = guard;
    RequestGuard.Verdict verdict =
        current == null
            ? new RequestGuard.Verdict(
                503, "the server is starting", RequestGuard.Refusal.SHUTTING_DOWN, null, null)
            : current.check(head(request));
    if (!verdict.allowed()) {
      count(verdict.refusal());
      answers.answer(connection, request.getMethodDC().toString(), verdict, !content.isLast());
      content.recycle();
      return ctx.getStopAction();
    }
    if (!content.isLast()) {
      IN_BODY.set(connection, Boolean.TRUE);
    }
    return ctx.getInvokeAction();
  }

  /** Whether the body of a request the guard let in is still arriving on {@code connection}. */
  static boolean inBody(Connection<?> connection) {
    return IN_BODY.isSet(connection);
  }

  long refusedHost() {
    return refusedHost.sum();
  }

  long refusedOrigin() {
    return refusedOrigin.sum();
  }

  long refusedToken() {
    return refusedToken.sum();
  }

  long refusedShuttingDown() {
    return refusedShuttingDown.sum();
  }

  private void count(RequestGuard.Refusal refusal) {
    if (refusal == null) {
      return; // A redirect.
    }
    switch (refusal) {
      case HOST -> refusedHost.increment();
      case ORIGIN -> refusedOrigin.increment();
      case TOKEN -> refusedToken.increment();
      case SHUTTING_DOWN -> refusedShuttingDown.increment();
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
        UpgradedConnections.isWebSocket(request));
  }
}
