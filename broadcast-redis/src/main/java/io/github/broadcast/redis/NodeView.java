package io.github.broadcast.redis;

import io.github.broadcast.SessionUpdate;
import io.github.broadcast.redis.RedisFormat.Entry;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/*
 * Design note: a node's view and its ordering.
 *
 * The view maps each session to the newest entry this node knows, tombstones included: what it
 * acknowledged (its own writes), what pub/sub brought, and what a reread found. deliver() takes
 * an entry only if its version is greater than the one held, under the view's monitor, so the
 * view never goes back whatever order entries arrive in (pub/sub, a reread, the node's own
 * write's reply), and maxVersion is the highest version the node has seen, the number every
 * reconcile compares with Redis' counter.
 *
 * Subscribers are called after the monitor is released, by whichever thread delivered (Lettuce's
 * I/O thread for pub/sub and replies, the store's thread for a reread), so two deliveries of one
 * session may reach a subscriber in either order; the store contract lets them, and a
 * subscriber keeps the newer. subscribe() joins the list and copies the view under the monitor,
 * then replays the copy outside it: a delivery that took the monitor before is in the copy, one
 * after reaches the new subscriber live.
 */
/** The sessions one node knows, newest version each, and who hears of a change; thread-safe. */
final class NodeView {

  private static final Logger logger = System.getLogger(RedisSessionStore.class.getName());

  // Guarded by this.
  private final Map<String, Entry> entries = new HashMap<>();
  private final List<Consumer<SessionUpdate>> subscribers = new CopyOnWriteArrayList<>();
  private final AtomicLong maxVersion = new AtomicLong();

  /** Takes {@code entry} if newer than what the view holds; returns whether it did. */
  boolean deliver(String id, Entry entry) {
    synchronized (this) {
      Entry current = entries.get(id);
      if (current != null && current.version() >= entry.version()) {
        return false;
      }
      entries.put(id, entry);
      maxVersion.accumulateAndGet(entry.version(), Math::max);
    }
    SessionUpdate update = entry.update(id);
    for (Consumer<SessionUpdate> subscriber : subscribers) {
      notify(subscriber, update);
    }
    return true;
  }

  /** Adds a subscriber and replays every live session to it; see the design note. */
  void subscribe(Consumer<SessionUpdate> subscriber) {
    List<SessionUpdate> current;
    synchronized (this) {
      subscribers.add(subscriber);
      current = live();
    }
    for (SessionUpdate update : current) {
      notify(subscriber, update);
    }
  }

  /** The entry of {@code id}, tombstones included, or null. */
  synchronized Entry get(String id) {
    return entries.get(id);
  }

  /** Every entry, tombstones included, for a reconcile. */
  synchronized List<Map.Entry<String, Entry>> entries() {
    return new ArrayList<>(entries.entrySet());
  }

  /** Every live session, ordered by id. */
  synchronized List<SessionUpdate> live() {
    List<SessionUpdate> sessions = new ArrayList<>();
    entries.forEach(
        (id, entry) -> {
          if (!entry.isTombstone()) {
            sessions.add(entry.update(id));
          }
        });
    sessions.sort(Comparator.comparing(SessionUpdate::sessionId));
    return sessions;
  }

  /** How many live sessions. */
  synchronized long size() {
    long live = 0;
    for (Entry entry : entries.values()) {
      if (!entry.isTombstone()) {
        live++;
      }
    }
    return live;
  }

  /** Forgets {@code entry} of {@code id} if it is still the one held (a purged tombstone). */
  synchronized void forget(String id, Entry entry) {
    entries.remove(id, entry);
  }

  /** The highest version this node has seen. */
  long maxVersion() {
    return maxVersion.get();
  }

  private static void notify(Consumer<SessionUpdate> subscriber, SessionUpdate update) {
    try {
      subscriber.accept(update);
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "a subscriber failed on " + update, e);
    }
  }
}
