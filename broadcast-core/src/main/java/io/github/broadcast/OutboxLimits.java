package io.github.broadcast;

import static java.util.Objects.requireNonNull;

import io.github.broadcast.internal.Checks;
import java.time.Duration;

/**
 * How much one client may have waiting in its outbox, and for how long it may stay behind.
 *
 * <p>The limits count frames waiting to be sent, not the one frame in flight (which the transport
 * already holds). A frame that would take the outbox past either limit triggers the {@link
 * OverflowPolicy}. A client that stays behind (its overflow not yet caught up) for longer than
 * {@code grace} is closed with {@link CloseReason#TOO_SLOW}.
 *
 * @param maxBytes the most UTF-8 bytes waiting; positive
 * @param maxFrames the most frames waiting; positive
 * @param grace how long a client may stay behind after an overflow; positive
 */
public record OutboxLimits(long maxBytes, int maxFrames, Duration grace) {

  /** 1 MiB, 1,024 frames, 30 seconds. */
  public static final OutboxLimits DEFAULT =
      new OutboxLimits(1024 * 1024, 1024, Duration.ofSeconds(30));

  /** No limit on bytes or frames: nothing ever overflows (the concurrent strategy). */
  public static final OutboxLimits UNBOUNDED =
      new OutboxLimits(Long.MAX_VALUE, Integer.MAX_VALUE, Duration.ofDays(365));

  /** Validates every component, naming the one that is wrong. */
  public OutboxLimits {
    Checks.requirePositive("maxBytes", maxBytes);
    Checks.requirePositive("maxFrames", maxFrames);
    Checks.requirePositive("grace", grace);
  }

  /** Returns these limits with {@code maxBytes} changed. */
  public OutboxLimits withMaxBytes(long maxBytes) {
    return new OutboxLimits(maxBytes, maxFrames, grace);
  }

  /** Returns these limits with {@code maxFrames} changed. */
  public OutboxLimits withMaxFrames(int maxFrames) {
    return new OutboxLimits(maxBytes, maxFrames, grace);
  }

  /** Returns these limits with {@code grace} changed. */
  public OutboxLimits withGrace(Duration grace) {
    return new OutboxLimits(maxBytes, maxFrames, requireNonNull(grace, "grace"));
  }
}
