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
 * Deltas: each entry remembers its session's previous update (its base) and the position of that
 * change. A client at cursor c holds, of each session, the latest entry at or before c; so it
 * holds an entry's base exactly when base position <= c < the entry's position, and can be sent
 * the entry as a patch from its base (JsonCodec.patchPart, memoized like the full part). A live
 * broadcast goes to clients that hold everything before it, so every base.
 *
 * Resume: a client that reconnects says the highest version it holds, not a position. The view
 * keeps checkpoints (position, highest version applied up to it), so that it can name a position
 * the client is surely past: the latest checkpoint whose highest version is at most the client's
 * (the frame that carried that version left after it). Sending what changed after that position
 * may repeat some entries the client holds (the version rule drops them), never misses one. The
 * checkpoints are bounded: when full, every other one is dropped, which only moves a resumed
 * cursor earlier (more repeated, nothing missed).
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
    final SessionUpdate base; // The session's previous live update, or null (new, or re-created).
    final long baseSeq; // The position of base; 0 without one.
    private Entry older; // Guarded by the registry lock.
    private Entry newer;
    volatile byte[] jsonPart; // JsonCodec's encoding of the update, made on first use.
    volatile byte[] patchPart; // JsonCodec's patch from base, made on first use.

    Entry(SessionUpdate update, long seq, long originNanos, Entry previous) {
      this.update = update;
      this.seq = seq;
      this.originNanos = originNanos;
      boolean patchable =
          previous != null && !previous.update.isTombstone() && !update.isTombstone();
      this.base = patchable ? previous.update : null;
      this.baseSeq = patchable ? previous.seq : 0;
    }

    /** Whether a client at {@code cursor} holds this entry's base, so takes it as a patch. */
    boolean patchableAt(long cursor) {
      return base != null && baseSeq <= cursor && cursor < seq;
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
  // Checkpoints, oldest first: at position checkpointSeq[i], the highest version applied was
  // checkpointVersion[i]; one per new highest version, thinned when full (see the design note).
  private final long[] checkpointSeq;
  private final long[] checkpointVersion;
  private int checkpoints;
  private long highestVersion;

  View(int maxTombstones) {
    this(maxTombstones, 4096);
  }

  View(int maxTombstones, int maxCheckpoints) {
    if (maxCheckpoints < 2) {
      throw new IllegalArgumentException(
          "maxCheckpoints : " + maxCheckpoints + " (expected: >= 2)");
    }
    this.maxTombstones = maxTombstones;
    this.checkpointSeq = new long[maxCheckpoints];
    this.checkpointVersion = new long[maxCheckpoints];
  }

  /** Returns the latest update of {@code sessionId}, a tombstone included, or null. */
  SessionUpdate get(String sessionId) {
    Entry entry = bySession.get(sessionId);
    return entry == null ? null : entry.update;
  }

  /** Returns how many live sessions (not tombstones) the view holds. */
  int liveCount() {
    return live;
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
    Entry entry = prepare(update, originNanos, 0);
    apply(entry);
    return entry;
  }

  /**
   * Returns the entry {@code update} will be once applied as the {@code offset}-th of a batch
   * applied next (0 first), with its base as the view holds it now, without changing the view: so
   * that its encodings can be made, and fail, before anything moves. The batch holds at most one
   * update per session.
   */
  Entry prepare(SessionUpdate update, long originNanos, int offset) {
    return new Entry(update, seq + 1 + offset, originNanos, bySession.get(update.sessionId()));
  }

  /**
   * Applies an entry made by {@link #prepare}, the next in order; the caller checked it is newer.
   */
  void apply(Entry entry) {
    SessionUpdate update = entry.update;
    if (entry.seq != seq + 1) {
      throw new IllegalStateException("entry at " + entry.seq + ", expected " + (seq + 1));
    }
    seq = entry.seq;
    Entry previous = bySession.put(update.sessionId(), entry);
    if (update.version() > highestVersion) {
      highestVersion = update.version();
      checkpoint(seq, highestVersion);
    }
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

  private void checkpoint(long position, long version) {
    if (checkpoints == checkpointSeq.length) {
      // Keep every other one, the newest included: half the resolution over the same span.
      int kept = 0;
      for (int i = checkpoints % 2 == 0 ? 1 : 0; i < checkpoints; i += 2) {
        checkpointSeq[kept] = checkpointSeq[i];
        checkpointVersion[kept] = checkpointVersion[i];
        kept++;
      }
      checkpoints = kept;
    }
    checkpointSeq[checkpoints] = position;
    checkpointVersion[checkpoints] = version;
    checkpoints++;
  }

  /**
   * Returns a position that a client holding {@code version} (the highest it holds, read from this
   * view's frames) is surely past, so that what changed after it is all it can miss; or -1 if this
   * view cannot prove one: the version is newer than any applied, or older than the checkpoints
   * kept, or a removal after the position was forgotten. See the design note.
   */
  long resumeCursor(long version) {
    if (version < 0 || version > highestVersion) {
      return -1;
    }
    // The latest checkpoint whose highest version is at most the client's.
    int low = 0;
    int high = checkpoints; // Checkpoint versions grow: binary search for the first > version.
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (checkpointVersion[mid] <= version) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    long cursor;
    if (low > 0) {
      cursor = checkpointSeq[low - 1];
    } else if (checkpoints > 0 && checkpointSeq[0] == 1) {
      cursor = 0; // Every checkpoint is kept from the first change: before it, nothing.
    } else {
      return -1;
    }
    return remembers(cursor) ? cursor : -1;
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
    return new Updates(entries, -1);
  }

  /**
   * The updates of {@code entries}, changed after {@code cursor}, for a client at that cursor that
   * takes patches: each entry whose base it holds is written as one.
   */
  static Updates patchableUpdates(List<Entry> entries, long cursor) {
    return new Updates(entries, cursor);
  }

  /** Updates read from view entries; {@link JsonCodec} encodes each entry once. */
  static final class Updates extends AbstractList<SessionUpdate> implements RandomAccess {
    final List<Entry> entries;
    final long patchCursor; // The cursor of a client that takes patches, or -1.

    private Updates(List<Entry> entries, long patchCursor) {
      this.entries = entries;
      this.patchCursor = patchCursor;
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
