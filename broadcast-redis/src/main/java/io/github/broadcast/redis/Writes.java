package io.github.broadcast.redis;

import io.github.broadcast.ChangeOutcomeUnknownException;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.StoreUnavailableException;
import io.github.broadcast.redis.RedisFormat.Entry;
import io.github.broadcast.redis.RedisFormat.Keys;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import tools.jackson.databind.node.ObjectNode;

/**
 * The store's changes: the optimistic write loop of rule 1, asynchronous from end to end. Each
 * attempt computes the new state from the entry the node holds and sends APPLY with the version it
 * builds on; the answer decides the next step (written; made before; Redis being rebuilt; Redis
 * older than the node; a conflict), and every wait (for the node to be ready, for a rebuild window
 * to end) is a future that {@link Readiness} completes, or fails at close, so no caller thread is
 * held during a round trip. Continuations run on Lettuce's I/O thread or the background thread;
 * nothing here blocks.
 *
 * <p>A failed command becomes the exception that says whether the change was made: refused before
 * it was sent, or carrying no change, is {@link StoreUnavailableException}; sent without an answer
 * is {@link ChangeOutcomeUnknownException}. A timeout or a dropped connection is also a loss: the
 * node is not ready until it has reconciled.
 */
final class Writes {

  /** Thrown by a removal's change when the session is already gone: nothing to write. */
  static final class AlreadyRemoved extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AlreadyRemoved() {
      super(null, null, false, false);
    }
  }

  private final RedisLink link;
  private final NodeView view;
  private final Readiness readiness;
  private final Replication replication;
  private final Keys keys;
  private final Counters counters;
  private final BooleanSupplier closed;
  private final Duration patience;
  private final long dedupWindowMillis;
  private final int maxAttempts;
  private final Clock clock;
  private final String redisUri;

  Writes(
      RedisLink link,
      NodeView view,
      Readiness readiness,
      Replication replication,
      Keys keys,
      Counters counters,
      BooleanSupplier closed,
      Duration patience,
      long dedupWindowMillis,
      int maxAttempts,
      Clock clock,
      String redisUri) {
    this.link = link;
    this.view = view;
    this.readiness = readiness;
    this.replication = replication;
    this.keys = keys;
    this.counters = counters;
    this.closed = closed;
    this.patience = patience;
    this.dedupWindowMillis = dedupWindowMillis;
    this.maxAttempts = maxAttempts;
    this.clock = clock;
    this.redisUri = redisUri;
  }

  /**
   * Writes one change: {@code next} computes the new state (null for a tombstone) from the entry
   * held, or throws {@link AlreadyRemoved}. Waits for the node to be ready at most the command
   * timeout if {@code wait}, else not at all (the background thread must not wait for itself).
   * Completes with the update, or null when there was nothing to remove.
   */
  CompletableFuture<SessionUpdate> write(
      String sessionId, String changeId, boolean wait, Function<Entry, ObjectNode> next) {
    if (closed.getAsBoolean()) {
      return CompletableFuture.failedFuture(closed(sessionId));
    }
    Attempt attempt =
        new Attempt(sessionId, changeId, next, System.nanoTime() + (wait ? patience.toNanos() : 0));
    return attempt.whenReady().thenCompose(ready -> attempt.run(1));
  }

  /** One change across its attempts. */
  private final class Attempt {
    final String id;
    final String changeId;
    final Function<Entry, ObjectNode> next;
    final long deadlineNanos;

    Attempt(String id, String changeId, Function<Entry, ObjectNode> next, long deadlineNanos) {
      this.id = id;
      this.changeId = changeId;
      this.next = next;
      this.deadlineNanos = deadlineNanos;
    }

    CompletableFuture<Void> whenReady() {
      Duration left = Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
      return readiness.whenReady(
          left,
          () ->
              refused(
                  id,
                  "Redis at "
                      + redisUri
                      + " is unreachable, or this node has not reconciled with it yet"));
    }

    CompletableFuture<SessionUpdate> run(int attempt) {
      if (attempt > maxAttempts) {
        return CompletableFuture.failedFuture(
            new IllegalStateException(
                "change of "
                    + id
                    + " : other nodes changed it first "
                    + maxAttempts
                    + " times in a row (expected: fewer writers per session)"));
      }
      if (closed.getAsBoolean()) {
        return CompletableFuture.failedFuture(closed(id));
      }
      Entry known = view.get(id);
      ObjectNode state;
      try {
        state = next.apply(known);
      } catch (AlreadyRemoved e) {
        return CompletableFuture.completedFuture(null);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
      long expected = known == null || known.isTombstone() ? 0 : known.version();
      long now = clock.millis();
      String[] keyNames = {
        keys.hash(), keys.counter(), keys.changePrefix() + changeId, keys.rebuilding()
      };
      String[] args = {
        id,
        Long.toString(expected),
        Long.toString(now),
        changeId,
        state == null ? "" : RedisFormat.json(state),
        keys.channel(),
        Long.toString(view.maxVersion()),
        Long.toString(dedupWindowMillis)
      };
      return link.evalAsync(RedisFormat.APPLY, ScriptOutputType.MULTI, keyNames, args)
          .handle(
              (reply, error) -> {
                if (error != null) {
                  throw failure(RedisLink.unwrap(error), id, changeId);
                }
                return (List<?>) reply;
              })
          .thenCompose(reply -> answer(reply, attempt, known, state, now));
    }

    CompletableFuture<SessionUpdate> answer(
        List<?> reply, int attempt, Entry known, ObjectNode state, long now) {
      long code = ((Number) reply.get(0)).longValue();
      long version = ((Number) reply.get(1)).longValue();
      if (code == 1) {
        Entry entry = new Entry(version, now, changeId, state);
        view.deliver(id, entry);
        return CompletableFuture.completedFuture(entry.update(id));
      }
      if (code == 2) {
        // Made before, by an attempt whose answer was lost: the session as it is now.
        counters.duplicates.incrementAndGet();
        return read()
            .thenApply(
                ignored -> {
                  Entry current = view.get(id);
                  return current == null
                      ? SessionUpdate.tombstone(id, version)
                      : current.update(id);
                });
      }
      if (code == 3) {
        readiness.rebuilding(version); // Here: the window's milliseconds left.
        return rebuildEnds(version).thenCompose(ended -> run(attempt));
      }
      if (code == 4) {
        replication.lost(
            "Redis' version counter is at v"
                + version
                + ", below v"
                + view.maxVersion()
                + " which this node has seen");
        return whenReady().thenCompose(ready -> run(attempt));
      }
      long held = known == null ? 0 : known.version();
      if (version < held) {
        // Redis holds this session older than this node does (or not at all): it lost data.
        // Never rebase on it (rule 1); reconcile first (rule 2), then try again.
        replication.lost("Redis holds " + id + " at v" + version + ", this node at v" + held);
        return whenReady().thenCompose(ready -> run(attempt + 1));
      }
      counters.conflicts.incrementAndGet();
      return read().thenCompose(ignored -> run(attempt + 1));
    }

    /** Rereads the session after a conflict into the view; a failure means not made. */
    CompletableFuture<Void> read() {
      return link.async
          .hget(keys.hash(), id)
          .toCompletableFuture()
          .handle(
              (value, error) -> {
                if (error != null) {
                  throw failure(RedisLink.unwrap(error), id, /* changeId= */ null);
                }
                if (value != null) {
                  view.deliver(id, RedisFormat.decode(value));
                }
                return null;
              });
    }

    /** Completes when the rebuild window ends, if that is before the deadline; else refuses. */
    CompletableFuture<Void> rebuildEnds(long leftMillis) {
      long left = TimeUnit.MILLISECONDS.toNanos(leftMillis);
      if (System.nanoTime() + left > deadlineNanos) {
        return CompletableFuture.failedFuture(
            refused(
                id,
                "Redis at "
                    + redisUri
                    + " lost data and the nodes are writing back what they hold, for "
                    + leftMillis
                    + " ms more"));
      }
      return readiness.delay(Duration.ofNanos(left), () -> closed(id));
    }
  }

  /**
   * Classifies a failed command; see the class comment. {@code changeId} null: the command carried
   * no change (a read), so the change was not made.
   */
  RuntimeException failure(Throwable e, String sessionId, String changeId) {
    if (closed.getAsBoolean()) {
      return closed(sessionId);
    }
    if (!(e instanceof RedisException)) {
      return e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
    }
    String message = String.valueOf(e.getMessage());
    boolean refused =
        message.startsWith(RedisLink.REJECTED) || e instanceof RedisCommandExecutionException;
    if (!(e instanceof RedisCommandExecutionException)) {
      replication.lost(
          e instanceof RedisCommandTimeoutException
              ? "a command timed out"
              : "the connection dropped");
    }
    if (refused || changeId == null) {
      counters.failedWrites.incrementAndGet();
      return new StoreUnavailableException(
          "Redis at "
              + redisUri
              + " is unreachable ("
              + rootMessage(e)
              + "); "
              + sessionId
              + " was not changed",
          e);
    }
    counters.unknownOutcomes.incrementAndGet();
    return new ChangeOutcomeUnknownException(
        "Redis at "
            + redisUri
            + " did not answer ("
            + rootMessage(e)
            + "): the change of "
            + sessionId
            + " may or may not have been made;"
            + " retry with change id "
            + changeId,
        changeId,
        e);
  }

  private StoreUnavailableException refused(String sessionId, String why) {
    counters.failedWrites.incrementAndGet();
    return new StoreUnavailableException(why + "; " + sessionId + " was not changed", null);
  }

  static IllegalStateException closed(String sessionId) {
    return new IllegalStateException("RedisSessionStore is closed; cannot change " + sessionId);
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return root == e ? message : e.getMessage() + ": " + message;
  }
}
