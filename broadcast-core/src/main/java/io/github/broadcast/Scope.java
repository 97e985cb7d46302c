package io.github.broadcast;

/**
 * The clients of one {@link Topics} value, as the engine groups them: each publish is projected and
 * encoded once per scope that has clients, and a scope's snapshot is encoded once per change of the
 * view. Guarded by the registry lock of its {@link FanoutBroadcaster}.
 */
final class Scope {

  final Topics topics;
  int outboxes; // Registered outboxes of this scope.
  int patchOutboxes; // Those that take patches.
  private long stamp = -1; // The publish that broadcast was made for.
  private Broadcast broadcast;
  String epoch; // The epoch of its initial_state, made on first use.
  private long snapshotHead = -1; // The view's head when snapshot was encoded.
  private Frame snapshot;

  Scope(Topics topics) {
    this.topics = topics;
  }

  void add(boolean patches) {
    outboxes++;
    if (patches) {
      patchOutboxes++;
    }
  }

  void remove(boolean patches) {
    outboxes--;
    if (patches) {
      patchOutboxes--;
    }
  }

  /** Whether some clients of this scope take whole frames (do not take patches). */
  boolean hasWholeClients() {
    return outboxes > patchOutboxes;
  }

  /** Whether publish {@code stamp} was already looked at for this scope. */
  boolean considered(long stamp) {
    return this.stamp == stamp;
  }

  /** Records this scope's broadcast of publish {@code stamp}: null when it carries nothing. */
  void broadcast(long stamp, Broadcast broadcast) {
    this.stamp = stamp;
    this.broadcast = broadcast;
  }

  /** This scope's broadcast of publish {@code stamp}, or null if it carries nothing for it. */
  Broadcast broadcastOf(long stamp) {
    return this.stamp == stamp ? broadcast : null;
  }

  /** The snapshot encoded at view head {@code head}, or null. */
  Frame snapshotAt(long head) {
    return snapshotHead == head ? snapshot : null;
  }

  void snapshot(long head, Frame snapshot) {
    this.snapshotHead = head;
    this.snapshot = snapshot;
  }

  @Override
  public String toString() {
    return "Scope[" + topics + ", " + outboxes + " clients]";
  }
}
