package io.github.broadcast.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall {@link Clock} (UTC, millisecond steps) that moves only when the test advances it, for what
 * reads wall time (the Redis store's expiry). Thread-safe.
 */
public final class FakeClock extends Clock {

  private final AtomicLong millis;

  /** A clock that reads {@code start} until advanced. */
  public FakeClock(Instant start) {
    this.millis = new AtomicLong(start.toEpochMilli());
  }

  /** Moves time forward by {@code duration}. */
  public FakeClock advance(Duration duration) {
    millis.addAndGet(duration.toMillis());
    return this;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }
}
