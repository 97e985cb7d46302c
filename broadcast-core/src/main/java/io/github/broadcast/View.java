package io.github.broadcast;

import java.util.AbstractList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Topics (issue 26): each entry carries its session's topic (a removal keeps the topic the
 * session had), and, when the broadcaster sorts sessions into topics, the history of its topic
 * changes (Move: position and topic, the newest first, at most MAX_MOVES). A client that sees only
 * some topics is sent a projection of the same entries (project): an entry in its topics as is
 * (as a patch only if the base was in its topics too); an entry outside them, or a removal, of a
 * session the client held live in its topics at its cursor (the move history says), as a removal
 * at the entry's version, so the session leaves it and versions never go backwards; any other
 * entry not at all.
 * A cursor older than a history that was cut short cannot be projected: its client is sent a
 * snapshot instead, like a cursor before a forgotten tombstone. A live broadcast is the same
 * projection at the cursor just before it.
 *
 * Not thread-safe: guarded by the registry lock of its FanoutBroadcaster. An entry is immutable but
 * for its memo, which is a benign race (two threads encode equal bytes; either is kept).
 */
/** The latest update per session, ordered by change; see the design note at the top of the file. */
final class View {

  /** One session's latest update, with its place in the publish order. */
  static final class Entry {
    /** {@link #heldIn}: the client held the session in its topics, live or removed. */
    static final int HELD = 1;

    /** {@link #heldIn}: the client did not hold the session in its topics. */
    static final int NOT_HELD = 0;

    /** {@link #heldIn}: the history kept cannot tell. */
    static final int UNKNOWN = -1;

    final SessionUpdate update;
    final long seq;
    final long originNanos; // When the update was accepted, for latency figures.
    final SessionUpdate base; // The session's previous live update, or null (new, or re-created).
    final long baseSeq; // The position of base; 0 without one.
    private Entry older; // Guarded by the registry lock.
    private Entry newer;
    volatile byte[] jsonPart; // JsonCodec's encoding of the update, made on first use.
    volatile byte[] patchPart; // JsonCodec's patch from base, made on first use.
    final String topic; // The session's topic (a removal keeps the last), or null for none.
    final Move moves; // The session's topic history, newest first; null if topics are not kept.
    private volatile Entry removal; // This entry as a removal, for clients it moved away from.
    private volatile Entry whole; // This entry without a base, for clients without the base.

    /**
     * @param topic the topic of a live update (ignored for a removal, which keeps the previous)
     * @param tracked whether the view keeps topic histories
     */
    Entry(
        SessionUpdate update,
        long seq,
        long originNanos,
        Entry previous,
        String topic,
        boolean tracked) {
      this.update = update;
      this.seq = seq;
      this.originNanos = originNanos;
      boolean patchable =
          previous != null && !previous.update.isTombstone() && !update.isTombstone();
      this.base = patchable ? previous.update : null;
      this.baseSeq = patchable ? previous.seq : 0;
      this.topic = update.isTombstone() ? (previous == null ? null : previous.topic) : topic;
      this.moves =
          tracked
              ? Move.after(
                  previous == null ? null : previous.moves, seq, this.topic, !update.isTombstone())
              : null;
    }

    /** A derived entry, for encoding only: never linked into the view. */
    private Entry(Entry of, SessionUpdate update, SessionUpdate base) {
      this.update = update;
      this.seq = of.seq;
      this.originNanos = of.originNanos;
      this.base = base;
      this.baseSeq = base == null ? 0 : of.baseSeq;
      this.topic = of.topic;
      this.moves = of.moves;
    }

    /**
     * The topic the session was in just before this change, or null if it was in none or did not
     * exist (or topics are not kept).
     */
    String previousTopic() {
      if (moves == null) {
        return null;
      }
      return moves.seq != seq ? moves.topic : moves.before == null ? null : moves.before.topic;
    }

    /** This change as a removal of its session, at its version. */
    Entry asRemoval() {
      Entry r = removal;
      if (r == null) {
        r =
            update.isTombstone()
                ? this
                : new Entry(
                    this, SessionUpdate.tombstone(update.sessionId(), update.version()), null);
        removal = r;
      }
      return r;
    }

    /** This change without its base: always sent whole. */
    Entry asWhole() {
      Entry w = whole;
      if (w == null) {
        w = base == null ? this : new Entry(this, update, null);
        whole = w;
      }
      return w;
    }

    /**
     * Whether a client that holds everything up to {@code cursor} held this session, live, in
     * {@code topics} then: {@link #HELD}, {@link #NOT_HELD}, or {@link #UNKNOWN} when the history
     * kept does not reach back that far. With {@code atLeast}, the client may hold more than the
     * cursor (a resume's cursor is a position it is surely past): held too if the session was live
     * in {@code topics} at any position after the cursor, before this change.
     */
    int heldIn(long cursor, Topics topics, boolean atLeast) {
      for (Move m = moves; m != null; m = m.before) {
        if (m.seq <= cursor) {
          return m.live && topics.includes(m.topic) ? HELD : NOT_HELD;
        }
        if (atLeast && m.seq < seq && m.live && topics.includes(m.topic)) {
          return HELD;
        }
        if (m.before == null && !m.complete) {
          return UNKNOWN;
        }
      }
      return NOT_HELD; // The session began after the cursor.
    }

    /** Whether a client at {@code cursor} holds this entry's base, so takes it as a patch. */
    boolean patchableAt(long cursor) {
      return base != null && baseSeq <= cursor && cursor < seq;
    }
  }

  /**
   * One change of a session's topic, or of whether it is live (its creation included), newest
   * first.
   */
  static final class Move {
    static final int MAX_MOVES = 16;

    final long seq;
    final String topic;
    final boolean live; // False from a removal on.
    final Move before;
    final int depth; // Moves in this history, this one included.
    final boolean complete; // Whether the oldest move kept is the session's first.

    private Move(long seq, String topic, boolean live, Move before, boolean complete) {
      this.seq = seq;
      this.topic = topic;
      this.live = live;
      this.before = before;
      this.depth = before == null ? 1 : before.depth + 1;
      this.complete = complete;
    }

    /**
     * The history after a change at {@code seq} in {@code topic}, {@code live} or a removal: the
     * same, or one move more.
     */
    static Move after(Move latest, long seq, String topic, boolean live) {
      if (latest != null && Objects.equals(latest.topic, topic) && latest.live == live) {
        return latest;
      }
      if (latest == null) {
        return new Move(seq, topic, live, null, true);
      }
      if (latest.depth < MAX_MOVES) {
        return new Move(seq, topic, live, latest, latest.complete);
      }
      // Full: copy the newest MAX_MOVES - 1, the oldest of them now first of an incomplete history.
      Move[] kept = new Move[MAX_MOVES - 1];
      Move m = latest;
      for (int i = 0; i < kept.length; i++, m = m.before) {
        kept[i] = m;
      }
      Move copy = null;
      for (int i = kept.length - 1; i >= 0; i--) {
        copy = new Move(kept[i].seq, kept[i].topic, kept[i].live, copy, false);
      }
      return new Move(seq, topic, live, copy, false);
    }
  }

  private final int maxTombstones;
  private final boolean tracksTopics;
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
    this(maxTombstones, 4096, false);
  }

  /**
   * @param tracksTopics whether sessions are sorted into topics, so that each entry keeps its
   *     session's topic history (the broadcaster has a topic function)
   */
  View(int maxTombstones, int maxCheckpoints, boolean tracksTopics) {
    if (maxCheckpoints < 2) {
      throw new IllegalArgumentException(
          "maxCheckpoints : " + maxCheckpoints + " (expected: >= 2)");
    }
    this.maxTombstones = maxTombstones;
    this.tracksTopics = tracksTopics;
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

  /** Returns the version of every session the view holds, tombstones included; for tests. */
  Map<String, Long> versions() {
    Map<String, Long> versions = new HashMap<>();
    bySession.forEach((id, entry) -> versions.put(id, entry.update.version()));
    return versions;
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
    return apply(update, originNanos, null);
  }

  /** As {@link #apply(SessionUpdate, long)}, the update being in {@code topic}. */
  Entry apply(SessionUpdate update, long originNanos, String topic) {
    Entry entry = prepare(update, originNanos, 0, topic);
    apply(entry);
    return entry;
  }

  /**
   * Returns the entry {@code update} will be once applied as the {@code offset}-th of a batch
   * applied next (0 first), with its base as the view holds it now, without changing the view: so
   * that its encodings can be made, and fail, before anything moves. The batch holds at most one
   * update per session.
   */
  Entry prepare(SessionUpdate update, long originNanos, int offset, String topic) {
    return new Entry(
        update,
        seq + 1 + offset,
        originNanos,
        bySession.get(update.sessionId()),
        topic,
        tracksTopics);
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

  /** Returns every live session's entry in {@code topics}, least recently changed first. */
  List<Entry> live(Topics topics) {
    if (topics.isAll()) {
      return live();
    }
    List<Entry> all = new ArrayList<>();
    for (Entry e = oldest; e != null; e = e.newer) {
      if (!e.update.isTombstone() && topics.includes(e.topic)) {
        all.add(e);
      }
    }
    return all;
  }

  /**
   * Returns what a client of {@code topics} that holds everything up to {@code cursor} is sent of
   * {@code entries} (changed after the cursor, at most one per session): see the design note. Null
   * if a session's topic history kept does not reach back to the cursor: the client is owed a
   * snapshot instead. With {@code atLeast}, the client may hold more than the cursor (a resume): a
   * session live in its topics anywhere after the cursor, and outside them now, is sent as a
   * removal.
   */
  static List<Entry> project(List<Entry> entries, long cursor, Topics topics, boolean atLeast) {
    if (topics.isAll()) {
      return entries;
    }
    List<Entry> projected = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      if (topics.includes(e.topic) && !e.update.isTombstone()) {
        // A base is the previous live version: in the topic the session was in before.
        projected.add(e.base != null && !topics.includes(e.previousTopic()) ? e.asWhole() : e);
        continue;
      }
      // Outside its topics now, or removed: a removal, if it held the session live in them.
      int held = e.heldIn(cursor, topics, atLeast);
      if (held == Entry.UNKNOWN) {
        return null;
      }
      if (held == Entry.HELD) {
        projected.add(e.asRemoval());
      }
    }
    return projected;
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
