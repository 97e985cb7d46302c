package io.github.broadcast.tyrus;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.glassfish.grizzly.CloseType;
import org.glassfish.grizzly.Closeable;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.GenericCloseListener;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.HttpRequestPacket;
import org.glassfish.grizzly.http.HttpResponsePacket;
import org.glassfish.grizzly.http.util.HttpStatus;

/**
 * Gathers each request's body without a thread: the request reaches its handler only once the whole
 * body has arrived, so a handler's blocking read never waits on the network and a slow sender pins
 * no worker. A body over the size limit gets 413; one that has not arrived within the deadline gets
 * 408 from the timer, and its request never reaches a handler. A client that waits for {@code 100
 * Continue} gets it when its body starts to be gathered. WebSocket handshakes and frames pass
 * untouched. A body being gathered holds a place among its address's {@link UnfinishedRequests};
 * over that cap it is answered 429. Runs on Grizzly's worker threads and, for deadlines, on the
 * timer.
 */
final class BodyFilter extends BaseFilter {

  private static final Attribute<PendingBody> PENDING =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(BodyFilter.class.getName() + ".pending");

  private final int maxBodyBytes;
  private final long bodyTimeoutNanos;
  private final ScheduledExecutorService timer;
  private final Answers answers;
  private final LongAdder tooLarge = new LongAdder();
  private final LongAdder timedOut = new LongAdder();
  private final UnfinishedRequests unfinished;

  BodyFilter(
      int maxBodyBytes,
      long bodyTimeoutNanos,
      ScheduledExecutorService timer,
      Answers answers,
      UnfinishedRequests unfinished) {
    this.maxBodyBytes = maxBodyBytes;
    this.bodyTimeoutNanos = bodyTimeoutNanos;
    this.timer = timer;
    this.answers = answers;
    this.unfinished = unfinished;
  }

  long tooLarge() {
    return tooLarge.sum();
  }

  long timedOut() {
    return timedOut.sum();
  }

  @Override
  public NextAction handleRead(FilterChainContext ctx) {
    Connection<?> connection = ctx.getConnection();
    if (UpgradedConnections.isUpgraded(connection) || !(ctx.getMessage() instanceof HttpContent)) {
      return ctx.getInvokeAction();
    }
    HttpContent content = ctx.getMessage();
    if (!content.getHttpHeader().isRequest()) {
      return ctx.getInvokeAction();
    }
    HttpRequestPacket request = (HttpRequestPacket) content.getHttpHeader();
    PendingBody pending = PENDING.get(connection);
    if (pending == null) { // The head of a new request.
      if (request.getContentLength() > maxBodyBytes
          || content.getContent().remaining() > maxBodyBytes) {
        return tooLarge(ctx, connection, content, null);
      }
      if (content.isLast()) {
        return ctx.getInvokeAction(); // The whole request is here.
      }
      if (!unfinished.acquire(connection)) {
        answers.answer(
            connection,
            "POST",
            Answers.error(429, "too many unfinished requests from this address"),
            true);
        content.recycle();
        return ctx.getStopAction();
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
    tooLarge.increment();
    answers.answer(
        connection,
        "POST",
        Answers.error(413, "request body is over the limit of " + maxBodyBytes + " bytes"),
        !content.isLast());
    content.recycle();
    return ctx.getStopAction();
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
      UnfinishedRequests.release(connection);
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
        UnfinishedRequests.release(connection);
        timedOut.increment();
        answers.answer(
            connection,
            "POST",
            Answers.error(
                408,
                "the request body did not arrive within "
                    + TimeUnit.NANOSECONDS.toMillis(bodyTimeoutNanos)
                    + " ms; it was not applied"),
            true);
      }
    }
  }
}
