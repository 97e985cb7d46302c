package io.github.broadcast.jakarta;

import io.github.broadcast.Ticker;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The limits per client address: how many connections one address may hold open, and how fast it
 * may open new ones (a token bucket of its own). Checked before the endpoint's shared cap and rate,
 * so an address over its own limits spends nothing of what the others share: one address in a
 * reconnect loop exhausts its own bucket, never the shared one.
 *
 * <p>An address's entry lives while it has a connection open or its bucket is still refilling; a
 * sweep drops the idle ones once the table has doubled since the last sweep, so a flood from many
 * addresses costs memory for as long as their buckets refill (burst / rate seconds), then nothing.
 *
 * <p>Thread-safe.
 */
final class AddressLimits {

  private static final int FIRST_SWEEP = 1024;

  private final int maxOpen;
  private final double perSecond;
  private final int burst;
  private final Ticker ticker;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private volatile int sweepAt = FIRST_SWEEP;

  /** {@code maxOpen} {@link Integer#MAX_VALUE} and {@code perSecond} infinite turn a limit off. */
  AddressLimits(int maxOpen, double perSecond, int burst, Ticker ticker) {
    this.maxOpen = maxOpen;
    this.perSecond = perSecond;
    this.burst = burst;
    this.ticker = ticker;
  }

  /** Whether either limit is on; when neither is, addresses are not even looked at. */
  boolean enabled() {
    return maxOpen != Integer.MAX_VALUE || perSecond != Double.POSITIVE_INFINITY;
  }

  /**
   * Admits one more connection from {@code key}, or returns why not. An admitted one must be {@link
   * #release released} once.
   */
  String admit(String key) {
    if (entries.size() >= sweepAt) {
      sweep();
    }
    String[] refusal = new String[1];
    entries.compute(
        key,
        (k, entry) -> {
          Entry e = entry != null ? entry : new Entry(rateLimited() ? bucket() : null);
          if (e.open >= maxOpen) {
            refusal[0] = "at the limit of " + maxOpen + " connections from " + key;
          } else if (e.bucket != null && !e.bucket.tryAcquire()) {
            refusal[0] = "over the connection rate of " + key;
          } else {
            e.open++;
          }
          return e;
        });
    return refusal[0];
  }

  /** Releases a connection admitted from {@code key}. */
  void release(String key) {
    entries.computeIfPresent(
        key,
        (k, e) -> {
          e.open--;
          return e.open == 0 && e.idle() ? null : e;
        });
  }

  /** The addresses tracked now: those with a connection open or a bucket still refilling. */
  int tracked() {
    return entries.size();
  }

  private void sweep() {
    entries.forEach(
        (key, entry) ->
            entries.computeIfPresent(key, (k, e) -> e.open == 0 && e.idle() ? null : e));
    sweepAt = Math.max(FIRST_SWEEP, entries.size() * 2);
  }

  private boolean rateLimited() {
    return perSecond != Double.POSITIVE_INFINITY;
  }

  private TokenBucket bucket() {
    return new TokenBucket(ticker, burst, perSecond);
  }

  /** One address's open connections and bucket; guarded by the map's lock on its key. */
  private static final class Entry {
    final TokenBucket bucket; // Null when the rate is not limited.
    int open;

    Entry(TokenBucket bucket) {
      this.bucket = bucket;
    }

    /** Whether dropping it loses nothing: no bucket, or one refilled to the brim. */
    boolean idle() {
      return bucket == null || bucket.full();
    }
  }
}
