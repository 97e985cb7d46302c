package io.github.broadcast;

/**
 * A source of monotonic time in nanoseconds, the seam through which every timeout, grace period and
 * latency in this library reads the clock. Tests inject a fake that they advance by hand.
 *
 * <p>Implementations must be thread-safe: the ticker is read from publisher threads, transport
 * threads and the scheduler thread.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current time in nanoseconds, from an arbitrary but fixed origin. */
  long read();

  /** Returns the ticker backed by {@link System#nanoTime()}. */
  static Ticker systemTicker() {
    return SystemTicker.INSTANCE;
  }
}

enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
