package io.github.broadcast.redis;

import io.github.broadcast.SessionStore;
import io.github.broadcast.redis.RedisFormat.Entry;
import io.github.broadcast.redis.RedisFormat.Keys;
import io.lettuce.core.ScriptOutputType;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.databind.node.ObjectNode;

/**
 * Removes sessions that expired and purges old tombstones, on the store's background thread, only
 * while the node is ready. Any node may remove an expired session: its removal is an ordinary
 * change at the version it saw, so a session changed meanwhile by another node is a conflict and
 * stays. A tombstone is purged from Redis after {@code tombstoneTtl}, long enough for every node to
 * have received it.
 */
final class Expiry {

  private static final Logger logger = System.getLogger(RedisSessionStore.class.getName());

  private final NodeView view;
  private final Readiness readiness;
  private final Writes writes;
  private final RedisLink link;
  private final Keys keys;
  private final Function<ObjectNode, Duration> expiry;
  private final Duration tombstoneTtl;
  private final Clock clock;

  Expiry(
      NodeView view,
      Readiness readiness,
      Writes writes,
      RedisLink link,
      Keys keys,
      Function<ObjectNode, Duration> expiry,
      Duration tombstoneTtl,
      Clock clock) {
    this.view = view;
    this.readiness = readiness;
    this.writes = writes;
    this.link = link;
    this.keys = keys;
    this.expiry = expiry;
    this.tombstoneTtl = tombstoneTtl;
    this.clock = clock;
  }

  /** One sweep: removes what is due now. */
  void sweep() {
    if (!readiness.isReady()) {
      return;
    }
    long now = clock.millis();
    for (Map.Entry<String, Entry> e : view.entries()) {
      String id = e.getKey();
      Entry entry = e.getValue();
      Duration ttl = entry.isTombstone() ? tombstoneTtl : expiry.apply(entry.state());
      if (ttl == null || entry.writtenAt() + ttl.toMillis() > now) {
        continue;
      }
      try {
        if (entry.isTombstone()) {
          link.eval(
              RedisFormat.PURGE,
              ScriptOutputType.INTEGER,
              new String[] {keys.hash()},
              new String[] {id, Long.toString(entry.version())});
          view.forget(id, entry);
        } else {
          writes
              .write(
                  id,
                  SessionStore.newChangeId(),
                  /* wait= */ false,
                  current -> {
                    if (current == null || current.version() != entry.version()) {
                      throw new Writes.AlreadyRemoved(); // Changed meanwhile: no longer due.
                    }
                    return null;
                  })
              .join();
        }
      } catch (RuntimeException ex) {
        logger.log(Level.DEBUG, () -> "expiry of " + id + " deferred: " + Writes.rootMessage(ex));
      }
    }
  }
}
