package io.github.broadcast.tyrus;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.glassfish.grizzly.filterchain.Filter;
import org.glassfish.grizzly.http.HttpCodecFilter;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpServerFilter;

/**
 * The embedded server's front door: a chain of small Grizzly filters in front of Tyrus' and
 * Grizzly's HTTP server filters, each with one job, in this order:
 *
 * <ol>
 *   <li>{@link HeadDeadline}, in front of Grizzly's HTTP codec: a deadline for each request's head,
 *       and the cap on {@link UnfinishedRequests} per address;
 *   <li>{@link DeclineOtherUpgrades}: an {@code h2c} upgrade is served as HTTP/1.1;
 *   <li>{@link GuardFilter}: the {@link RequestGuard}'s verdict on each head, refusals and
 *       redirects answered there ({@link Answers}), and the rest of an answered request dropped;
 *   <li>{@link UpgradedConnections}: the WebSocket connections, for shutdown and for reading their
 *       frames in place;
 *   <li>{@link BodyFilter}: bodies gathered under a size limit and a deadline, without a thread.
 * </ol>
 *
 * <p>Thread-safe.
 */
final class FrontDoor {

  private final UnfinishedRequests unfinished;
  private final HeadDeadline heads;
  private final GuardFilter guard;
  private final UpgradedConnections upgraded = new UpgradedConnections();
  private final BodyFilter bodies;
  private final List<Filter> chain;

  FrontDoor(
      long headTimeoutNanos,
      long idleTimeoutNanos,
      int maxBodyBytes,
      long bodyTimeoutNanos,
      int maxUnfinishedPerAddress,
      ScheduledExecutorService timer) {
    Answers answers = new Answers(timer);
    this.unfinished = new UnfinishedRequests(maxUnfinishedPerAddress);
    this.heads = new HeadDeadline(headTimeoutNanos, idleTimeoutNanos, timer, answers, unfinished);
    this.guard = new GuardFilter(answers);
    this.bodies = new BodyFilter(maxBodyBytes, bodyTimeoutNanos, timer, answers, unfinished);
    this.chain = List.of(new DeclineOtherUpgrades(), guard, upgraded, bodies);
  }

  /** From now on the guard decides (until then every request gets 503: the server is starting). */
  void start(RequestGuard requestGuard) {
    guard.start(requestGuard);
  }

  int unfinishedHeld() {
    return unfinished.held();
  }

  UpgradedConnections upgraded() {
    return upgraded;
  }

  HttpStats stats() {
    return new HttpStats(
        guard.refusedHost(),
        guard.refusedOrigin(),
        guard.refusedToken(),
        guard.refusedShuttingDown(),
        bodies.tooLarge(),
        bodies.timedOut(),
        heads.timedOut(),
        unfinished.refused(),
        unfinished.held(),
        heads.idleClosed());
  }

  /**
   * The add-on that puts the head deadline in front of Grizzly's HTTP codec, and the other filters,
   * in order, in front of its HTTP server filter.
   */
  AddOn addOn() {
    return (listener, builder) -> {
      int codec = builder.indexOfType(HttpCodecFilter.class);
      if (codec >= 0) {
        builder.add(codec, heads);
      }
      int index = builder.indexOfType(HttpServerFilter.class);
      if (index >= 0) {
        for (Filter filter : chain) {
          builder.add(index++, filter);
        }
      }
    };
  }
}
