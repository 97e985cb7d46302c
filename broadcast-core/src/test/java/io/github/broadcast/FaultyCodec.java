package io.github.broadcast;

import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;

/**
 * The JSON codec, except that the test can make the next calls of one kind throw: a transient codec
 * fault (a serializer that fails once, a state it cannot write). Thread-safe.
 */
final class FaultyCodec extends JsonCodec {

  /** The kinds of message a codec encodes. */
  enum Kind {
    INITIAL_STATE,
    SESSION_UPDATE,
    BATCH_UPDATE,
    PONG
  }

  private final MessageCodec json = MessageCodec.json();

  FaultyCodec() {
    super(new ObjectMapper());
  }

  // Guarded by this: how many of the next calls of each kind fail.
  private final Map<Kind, Integer> failures = new EnumMap<>(Kind.class);
  // Guarded by this: how many calls of each kind to let through before failing.
  private final Map<Kind, Integer> skips = new EnumMap<>(Kind.class);
  // Guarded by this.
  private int thrown;

  /** Makes the next {@code count} calls of {@code kind} throw. */
  FaultyCodec failNext(Kind kind, int count) {
    return failAfter(kind, 0, count);
  }

  /** Lets {@code skip} calls of {@code kind} through, then makes {@code count} throw. */
  synchronized FaultyCodec failAfter(Kind kind, int skip, int count) {
    skips.put(kind, skip);
    failures.put(kind, count);
    return this;
  }

  /** Returns how many calls threw so far. */
  synchronized int thrown() {
    return thrown;
  }

  private synchronized void maybeFail(Kind kind) {
    int skip = skips.getOrDefault(kind, 0);
    if (skip > 0) {
      skips.put(kind, skip - 1);
      return;
    }
    int left = failures.getOrDefault(kind, 0);
    if (left > 0) {
      failures.put(kind, left - 1);
      thrown++;
      throw new IllegalStateException("injected " + kind + " failure");
    }
  }

  @Override
  public Frame initialState(Collection<SessionUpdate> sessions) {
    maybeFail(Kind.INITIAL_STATE);
    return json.initialState(sessions);
  }

  @Override
  Frame initialState(View.Updates live, String epoch) {
    maybeFail(Kind.INITIAL_STATE);
    return super.initialState(live, epoch);
  }

  @Override
  Frame resumedState(View.Updates changed, String epoch, long since) {
    maybeFail(Kind.INITIAL_STATE);
    return super.resumedState(changed, epoch, since);
  }

  @Override
  Frame patchedBroadcast(List<View.Entry> entries, boolean batch) {
    maybeFail(batch ? Kind.BATCH_UPDATE : Kind.SESSION_UPDATE);
    return super.patchedBroadcast(entries, batch);
  }

  @Override
  public Frame sessionUpdate(SessionUpdate update) {
    maybeFail(Kind.SESSION_UPDATE);
    return json.sessionUpdate(update);
  }

  @Override
  public Frame batchUpdate(Collection<SessionUpdate> updates) {
    maybeFail(Kind.BATCH_UPDATE);
    return json.batchUpdate(updates);
  }

  @Override
  public Frame pong() {
    maybeFail(Kind.PONG);
    return json.pong();
  }
}
