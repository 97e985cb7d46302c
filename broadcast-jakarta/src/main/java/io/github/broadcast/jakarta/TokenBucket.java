package io.github.broadcast.jakarta;

import io.github.broadcast.Ticker;

/**
 * A token bucket: up to {@code capacity} tokens, refilled continuously at {@code perSecond}. Time
 * comes from the core {@link Ticker}, so tests drive it with a fake. Thread-safe.
 */
final class TokenBucket {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final Ticker ticker;
  private final double capacity;
  private final double perNano;
  // Guarded by this.
  private double tokens;
  // Guarded by this.
  private long lastNanos;

  TokenBucket(Ticker ticker, double capacity, double perSecond) {
    this.ticker = ticker;
    this.capacity = capacity;
    this.perNano = perSecond / NANOS_PER_SECOND;
    this.tokens = capacity;
    this.lastNanos = ticker.read();
  }

  /** Whether the bucket has refilled to its capacity: forgetting it now changes nothing. */
  synchronized boolean full() {
    return tokens + (ticker.read() - lastNanos) * perNano >= capacity;
  }

  /** Takes one token if there is one; returns whether it did. */
  synchronized boolean tryAcquire() {
    long now = ticker.read();
    tokens = Math.min(capacity, tokens + (now - lastNanos) * perNano);
    lastNanos = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }
}
