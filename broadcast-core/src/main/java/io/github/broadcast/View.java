package io.github.broadcast;

import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.RandomAccess;

/*
 * Design note: the broadcaster's view as a change log.
 *
 * The view holds the latest update of every session, tombstones included, each stamped with the
 * position of that change in the publish order (its sequence number) and kept in a list ordered by
 * it, the most recent change last. A client that cannot take every frame (paced, or past its
 * outbox limit) does not keep updates of its own: it keeps a cursor, the position up to which it
 * holds everything, and when it can take a frame again it is sent what changed after its cursor,
 * read from the tail of this list. So a busy client costs nothing per publish, its state is exact
 * (the latest version of each session that changed, removals included), and the work is
 * proportional to what it is sent (ViewTest, BroadcasterPropertyTest).
 *
 * Removals: a tombstone is kept until MAX_TOMBSTONES newer ones exist, so that a late update from
 * before the removal cannot bring the session back; once it is dropped, a cursor from before it
 * can no longer be served what changed (the removal would be missing), and its client is sent a
 * full snapshot instead (remembers()).
 *
 * Each entry memoizes its encoded form for the JSON codec (JsonCodec.part), so that an update is
 * encoded once however many catch-ups and snapshots carry it.
 *
 * Not thread-safe: guarded by the registry lock of its FanoutBroadcaster. An entry is immutable but
 * for its memo, which is a benign race (two threads encode equal bytes; either is kept).
 */
/** The latest update per session, ordered by change; see the design note at the top of the file. */
final class View {

  /** One session's latest update, with its place in the publish order. */
  static final class Entry {
    final SessionUpdate update;
    final long seq;
    final long originNanos; // When the update was accepted, for latency figures.
    private Entry older; // Guarded by the registry lock.
    private Entry newer;
    volatile byte[] jsonPart; // JsonCodec's encoding of the update, made on first use.

    Entry(SessionUpdate update, long seq, long originNanos) {
      this.update = update;
      this.seq = seq;
      this.originNanos = originNanos;
    }
  }

  private final int maxTombstones;
  private final HashMap<String, Entry> bySession = new HashMap<>();
  private Entry oldest;
  private Entry newest;
  private long seq; // The position of the latest change; 0 before any.
  private final ArrayDeque<Entry> tombstones = new ArrayDeque<>(); // Oldest first.
  private long forgottenThrough; // The latest position of a dropped tombstone.
  private int live;

  View(int maxTombstones) {
    this.maxTombstones = maxTombstones;
  }

  /** Returns the latest update of {@code sessionId}, a tombstone included, or null. */
  SessionUpdate get(String sessionId) {
    Entry entry = bySession.get(sessionId);
    return entry == null ? null : entry.update;
  }

  /** Returns the position of the latest change: a cursor that holds everything. */
  long head() {
    return seq;
  }

  /**
   * Makes {@code update} its session's latest, at the next position; the caller checked that it is
   * newer. Returns its entry.
   */
  Entry apply(SessionUpdate update, long originNanos) {
    Entry entry = new Entry(update, ++seq, originNanos);
    Entry previous = bySession.put(update.sessionId(), entry);
    if (previous != null) {
      unlink(previous);
      if (!previous.update.isTombstone()) {
        live--;
      }
    }
    link(entry);
    if (update.isTombstone()) {
      tombstones.add(entry);
      while (tombstones.size() > maxTombstones) {
        forget(tombstones.poll());
      }
    } else {
      live++;
    }
    return entry;
  }

  /**
   * Drops an old tombstone, unless its session changed since (a client behind it is then sent the
   * newer update, which is all it needs).
   */
  private void forget(Entry tombstone) {
    if (bySession.remove(tombstone.update.sessionId(), tombstone)) {
      unlink(tombstone);
      forgottenThrough = Math.max(forgottenThrough, tombstone.seq);
    }
  }

  /** Whether what changed after {@code cursor} can be served: no removal after it was dropped. */
  boolean remembers(long cursor) {
    return cursor >= forgottenThrough;
  }

  /**
   * Returns the entries that changed after {@code cursor}, in the order of their changes: the
   * latest update of each such session, tombstones included. Reads from the newest back, so the
   * cost is what is returned.
   */
  List<Entry> changedSince(long cursor) {
    ArrayList<Entry> changed = new ArrayList<>();
    for (Entry e = newest; e != null && e.seq > cursor; e = e.older) {
      changed.add(e);
    }
    Collections.reverse(changed);
    return changed;
  }

  /** Returns every live session's entry (no tombstones), least recently changed first. */
  List<Entry> live() {
    List<Entry> all = new ArrayList<>(live);
    for (Entry e = oldest; e != null; e = e.newer) {
      if (!e.update.isTombstone()) {
        all.add(e);
      }
    }
    return all;
  }

  /** The updates of {@code entries}, as a list the JSON codec joins from their memoized parts. */
  static Updates updates(List<Entry> entries) {
    return new Updates(entries);
  }

  /** Updates read from view entries; {@link JsonCodec} encodes each entry once. */
  static final class Updates extends AbstractList<SessionUpdate> implements RandomAccess {
    final List<Entry> entries;

    private Updates(List<Entry> entries) {
      this.entries = entries;
    }

    @Override
    public SessionUpdate get(int index) {
      return entries.get(index).update;
    }

    @Override
    public int size() {
      return entries.size();
    }

    /** The oldest origin of these updates: when the longest-waiting of them was accepted. */
    long originNanos() {
      long origin = Long.MAX_VALUE;
      for (Entry entry : entries) {
        origin = Math.min(origin, entry.originNanos);
      }
      return origin;
    }
  }

  private void link(Entry entry) {
    entry.older = newest;
    entry.newer = null;
    if (newest == null) {
      oldest = entry;
    } else {
      newest.newer = entry;
    }
    newest = entry;
  }

  private void unlink(Entry entry) {
    if (entry.older == null) {
      oldest = entry.newer;
    } else {
      entry.older.newer = entry.newer;
    }
    if (entry.newer == null) {
      newest = entry.older;
    } else {
      entry.newer.older = entry.older;
    }
    entry.older = null;
    entry.newer = null;
  }
}
