package io.github.broadcast;

import io.github.broadcast.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ObjectNode;

/**
 * The latest state of every session, each with a version: the one contract behind the store in this
 * process ({@link #inMemory()}) and the one several nodes share through Redis ({@code
 * RedisSessionStore}, module broadcast-redis). Code that uses a store never needs to know which.
 *
 * <pre>{@code
 * SessionStore store = SessionStore.inMemory()
 *     .expireAfter(state -> "ended".equals(state.path("status").asString())
 *         ? Duration.ofMinutes(5) : Duration.ofHours(1))
 *     .build();
 * store.subscribe(broadcaster::publish);         // every session now, then every change
 * store.apply("s1", state -> state.put("status", "working"));
 * }</pre>
 *
 * <h2>The rules every store keeps</h2>
 *
 * <ul>
 *   <li><b>Session ids</b> are 1 to 256 characters, not blank, without control characters (no line
 *       breaks); anything else is an {@link IllegalArgumentException} naming the id, and nothing
 *       changes ({@link #checkSessionId}).
 *   <li><b>Changes</b> receive a private copy of the current state (an empty object for a new
 *       session) and return the new one, possibly the same object; they may run more than once (a
 *       store that retries after a conflict), so they must not have side effects. A change that
 *       returns null is a {@link NullPointerException}; a change that throws propagates; either way
 *       the session is unchanged.
 *   <li><b>Change ids</b> identify a change across retries: 1 to 128 letters, digits and {@code - _
 *       . :} ({@link #checkChangeId}). A change id already made within the store's dedup window
 *       (one minute by default) is not made again; the call returns the session as it is.
 *   <li><b>Versions</b> come from one counter per store (per cluster, for Redis): every change,
 *       removals and expiries included, gets a version greater than any before it, so a session
 *       never goes backwards, also across its removal and re-creation.
 *   <li><b>Subscribers</b> first receive every live session the store holds, then every change
 *       after that, removals and expiries as tombstones. They are called outside every lock of the
 *       store, possibly from several threads at once and out of version order, so a subscriber
 *       keeps the newest version of each session and drops the rest (a {@link Broadcaster} does). A
 *       subscriber that throws is logged; the change and the other subscribers are not affected.
 *   <li><b>Failures</b> say whether the change was made: {@link StoreUnavailableException} (not
 *       made, nothing was sent) or {@link ChangeOutcomeUnknownException} (sent without an answer;
 *       retry with the same change id). A store in this process never throws either.
 *   <li><b>Closing</b> is idempotent; afterwards changes and subscriptions throw {@link
 *       IllegalStateException}, while {@link #get}, {@link #snapshot} and {@link #size} still
 *       answer from the last view.
 * </ul>
 *
 * <p>Threads: every method may be called from any thread. {@link #apply} may block for a round trip
 * to the store's backing service; {@link #applyAsync} never blocks its caller.
 */
public interface SessionStore extends AutoCloseable {

  /** The longest session id, in chars. */
  int MAX_SESSION_ID_LENGTH = 256;

  /** The longest change id, in chars. */
  int MAX_CHANGE_ID_LENGTH = 128;

  /**
   * Changes one session under a new change id; see the class rules.
   *
   * @return the update every subscriber receives
   */
  default SessionUpdate apply(String sessionId, UnaryOperator<ObjectNode> change) {
    return apply(sessionId, newChangeId(), change);
  }

  /**
   * Changes one session under {@code changeId}, waiting for the outcome; see the class rules.
   *
   * @return the update every subscriber receives; if {@code changeId} was already made, the session
   *     as it is (a tombstone at that change's version, if it was removed since)
   * @throws StoreUnavailableException if the change was not made
   * @throws ChangeOutcomeUnknownException if it may or may not have been made
   * @throws IllegalStateException if this store is closed
   */
  SessionUpdate apply(String sessionId, String changeId, UnaryOperator<ObjectNode> change);

  /**
   * Changes one session under {@code changeId} without blocking the caller: the stage completes
   * with what {@link #apply(String, String, UnaryOperator)} would return, or exceptionally with
   * what it would throw. Invalid arguments throw at once.
   */
  CompletionStage<SessionUpdate> applyAsync(
      String sessionId, String changeId, UnaryOperator<ObjectNode> change);

  /**
   * Removes one session; every subscriber receives its tombstone.
   *
   * @return the tombstone, or empty if the session did not exist
   * @throws StoreUnavailableException if nothing was removed
   * @throws ChangeOutcomeUnknownException if the removal may or may not have been made
   * @throws IllegalStateException if this store is closed
   */
  Optional<SessionUpdate> remove(String sessionId);

  /** Returns the session's latest update, or empty if it does not exist (or expired). */
  Optional<SessionUpdate> get(String sessionId);

  /** Returns every live session's latest update, ordered by session id. */
  List<SessionUpdate> snapshot();

  /** Returns how many live sessions the store holds. */
  long size();

  /**
   * Adds {@code subscriber}: it first receives every live session, then every later change; see the
   * class rules.
   *
   * @throws IllegalStateException if this store is closed
   */
  void subscribe(Consumer<SessionUpdate> subscriber);

  /**
   * Whether a change applied now would be made without waiting: false while a store shared by
   * several nodes is reconnecting, reconciling, or pausing changes while the nodes write back what
   * it lost. For a readiness probe: a node that cannot write is not ready. Default true: a store in
   * this process always can.
   */
  default boolean acceptsWrites() {
    return true;
  }

  /** Stops changes and deliveries and releases the store's resources. Idempotent. */
  @Override
  void close();

  /** Returns a builder of a store in this process, kept in memory (Caffeine). */
  static Builder inMemory() {
    return new Builder();
  }

  /**
   * Returns a new random change id, for a change that will not be retried. Public for callers of
   * {@link #apply(String, String, UnaryOperator)} and for other implementations of this contract,
   * which share its ids and its rules (broadcast-redis is one).
   */
  static String newChangeId() {
    return UUID.randomUUID().toString();
  }

  /**
   * Checks a session id against the rules; see the class rules. Public so that every implementation
   * of this contract, and an application checking an id before it posts, refuses the same ids with
   * the same message.
   *
   * @return {@code sessionId}
   * @throws IllegalArgumentException naming the id and the rule, if it breaks one
   * @throws NullPointerException if it is null
   */
  static String checkSessionId(String sessionId) {
    if (sessionId == null) {
      throw new NullPointerException("sessionId : null (expected: an id)");
    }
    if (sessionId.isEmpty()
        || sessionId.length() > MAX_SESSION_ID_LENGTH
        || sessionId.isBlank()
        || sessionId.codePoints().anyMatch(Character::isISOControl)) {
      String shown = sessionId.length() > 40 ? sessionId.substring(0, 40) + "..." : sessionId;
      throw new IllegalArgumentException(
          "sessionId : \""
              + shown.replaceAll("\\p{Cntrl}", "?")
              + "\" ("
              + sessionId.length()
              + " chars; expected: 1 to "
              + MAX_SESSION_ID_LENGTH
              + " chars, not blank, no control characters)");
    }
    return sessionId;
  }

  /**
   * Checks a change id against the rules; see the class rules.
   *
   * @return {@code changeId}
   * @throws IllegalArgumentException naming the id and the rule, if it breaks one
   * @throws NullPointerException if it is null
   */
  static String checkChangeId(String changeId) {
    if (changeId == null) {
      throw new NullPointerException("changeId : null (expected: an id)");
    }
    if (changeId.isEmpty()
        || changeId.length() > MAX_CHANGE_ID_LENGTH
        || !ChangeIds.PATTERN.matcher(changeId).matches()) {
      throw new IllegalArgumentException(
          "changeId : "
              + changeId
              + " (expected: 1 to "
              + MAX_CHANGE_ID_LENGTH
              + " letters, digits, - _ . :)");
    }
    return changeId;
  }

  /**
   * Builds a store kept in this process. Each option is validated when set. Not thread-safe; the
   * store is.
   */
  final class Builder {

    Ticker ticker = Ticker.systemTicker();
    Function<ObjectNode, Duration> expiry;
    boolean proactiveExpiry = true;
    Duration dedupWindow = Duration.ofMinutes(1);

    Builder() {}

    /**
     * Sets the clock that expiry and the dedup window read; default {@link Ticker#systemTicker()}.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.requireNonNull("ticker", ticker);
      this.proactiveExpiry = false; // A fake clock: the test drives expiry (see cleanUp()).
      return this;
    }

    /** Expires every session {@code idle} after its last change. */
    public Builder expireAfterWrite(Duration idle) {
      Duration checked = Checks.requirePositive("expireAfterWrite", idle);
      this.expiry = state -> checked;
      return this;
    }

    /**
     * Expires each session after the time {@code expiry} returns for its latest state (for example,
     * sooner once it has ended), counted from its last change; null means never.
     */
    public Builder expireAfter(Function<ObjectNode, Duration> expiry) {
      this.expiry = Checks.requireNonNull("expireAfter", expiry);
      return this;
    }

    /**
     * Sets how long a change id is remembered, so that a retry is not made twice; default 1 minute.
     */
    public Builder dedupWindow(Duration window) {
      this.dedupWindow = Checks.requirePositive("dedupWindow", window);
      return this;
    }

    /** Builds the store. */
    public SessionStore build() {
      return new InMemorySessionStore(this);
    }
  }
}

/** The pattern of change ids, compiled once (an interface cannot hold a private constant). */
final class ChangeIds {
  static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9_.:-]+");

  private ChangeIds() {}
}
