package io.github.broadcast.tyrus;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.BaseFilter;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;

/**
 * A deadline for each request's head, the one front-door filter in front of Grizzly's HTTP codec: a
 * new connection, or the first bytes of a request, start it, and the {@link GuardFilter} ends it
 * when the codec has parsed the whole head. A head still incomplete at the deadline gets 408 from
 * the timer and its connection ends; a connection that sent nothing at all is closed. So a client
 * that sends a head a byte at a time (slowloris), or connects and stays silent, holds a connection
 * for that long at most, never a worker (the codec gathers the head without one). Reads of a
 * WebSocket, and of a body the guard let in (which has its own deadline), start nothing. Runs on
 * the thread that read the bytes and, for deadlines, on the timer. While a head is awaited the
 * connection holds a place among its address's {@link UnfinishedRequests}; over that cap a new
 * connection is closed and a new request answered 429. Thread-safe.
 */
final class HeadDeadline extends BaseFilter {

  // The deadline of the head being read on a connection, if one is.
  private static final Attribute<ScheduledFuture<?>> PENDING =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(HeadDeadline.class.getName() + ".pending");
  // Set once a byte of the pending head has arrived.
  private static final Attribute<Boolean> HEARD =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(HeadDeadline.class.getName() + ".heard");
  // When the connection last read anything (System.nanoTime), for the idle check.
  private static final Attribute<Long> LAST_READ =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(HeadDeadline.class.getName() + ".lastRead");

  private final long timeoutNanos;
  private final ScheduledExecutorService timer;
  private final Answers answers;
  private final LongAdder timedOut = new LongAdder();
  private final UnfinishedRequests unfinished;
  private final long idleNanos;
  private final LongAdder idleClosed = new LongAdder();

  HeadDeadline(
      long timeoutNanos,
      long idleNanos,
      ScheduledExecutorService timer,
      Answers answers,
      UnfinishedRequests unfinished) {
    this.timeoutNanos = timeoutNanos;
    this.idleNanos = idleNanos;
    this.timer = timer;
    this.answers = answers;
    this.unfinished = unfinished;
  }

  /** HTTP connections closed after sitting idle between requests for the idle timeout. */
  long idleClosed() {
    return idleClosed.sum();
  }

  long timedOut() {
    return timedOut.sum();
  }

  /** A new connection: its first head must come within the deadline too. */
  @Override
  public NextAction handleAccept(FilterChainContext ctx) {
    Connection<?> connection = ctx.getConnection();
    if (!unfinished.acquire(connection)) {
      connection.closeSilently(); // Its address holds its cap of unfinished requests.
      return ctx.getStopAction();
    }
    arm(connection);
    LAST_READ.set(connection, System.nanoTime());
    checkIdleIn(connection, idleNanos);
    return ctx.getInvokeAction();
  }

  @Override
  public NextAction handleRead(FilterChainContext ctx) {
    Connection<?> connection = ctx.getConnection();
    if (!UpgradedConnections.isUpgraded(connection)) {
      LAST_READ.set(connection, System.nanoTime());
    }
    if (!UpgradedConnections.isUpgraded(connection) && !GuardFilter.inBody(connection)) {
      if (!unfinished.acquire(connection)) {
        answers.answer(
            connection,
            "GET",
            Answers.error(429, "too many unfinished requests from this address"),
            true);
        return ctx.getStopAction();
      }
      arm(connection);
      HEARD.set(connection, Boolean.TRUE);
    }
    return ctx.getInvokeAction();
  }

  private void arm(Connection<?> connection) {
    if (!PENDING.isSet(connection)) {
      PENDING.set(
          connection, timer.schedule(() -> expire(connection), timeoutNanos, TimeUnit.NANOSECONDS));
    }
  }

  /**
   * The idle check of an HTTP connection between requests: Grizzly's own keep-alive timeout is off
   * (an upgraded connection lives long), so a connection that finished its requests and then sits
   * silent would otherwise hold its socket for ever. Every {@code idleNanos} the check looks: an
   * upgraded connection is left alone for good; one with a head or a body under way is left to
   * their deadlines; one that read nothing for {@code idleNanos} is closed (a connection waiting
   * for a handler's answer that long too: handlers here answer in seconds).
   */
  private void checkIdleIn(Connection<?> connection, long delayNanos) {
    timer.schedule(() -> checkIdle(connection), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void checkIdle(Connection<?> connection) {
    if (!connection.isOpen() || UpgradedConnections.isUpgraded(connection)) {
      return;
    }
    Long last = LAST_READ.get(connection);
    long quiet = last == null ? idleNanos : System.nanoTime() - last;
    if (PENDING.isSet(connection) || GuardFilter.inBody(connection) || quiet < idleNanos) {
      checkIdleIn(connection, Math.max(idleNanos - quiet, TimeUnit.SECONDS.toNanos(1)));
      return;
    }
    idleClosed.increment();
    connection.closeSilently();
  }

  /** The head on {@code connection} has been parsed: its deadline is over. */
  static void headArrived(Connection<?> connection) {
    UnfinishedRequests.release(connection);
    HEARD.remove(connection);
    ScheduledFuture<?> deadline = PENDING.remove(connection);
    if (deadline != null) {
      deadline.cancel(false);
    }
  }

  private void expire(Connection<?> connection) {
    if (PENDING.remove(connection) == null || !connection.isOpen()) {
      return; // The head arrived meanwhile, or the client went away.
    }
    timedOut.increment();
    if (HEARD.remove(connection) == null) {
      connection.closeSilently(); // Not a byte since it connected: nothing to answer.
      return;
    }
    answers.answer(
        connection,
        "GET",
        Answers.error(
            408,
            "the request head did not arrive within "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                + " ms"),
        true);
  }
}
