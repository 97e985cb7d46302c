package io.github.broadcast;

import java.time.Duration;

/**
 * Every strategy and overflow policy the contract suite runs against. The backpressure variants use
 * small limits so that the suite's bursts really overflow them; the batched ones put a flush clock
 * in front of them (the production preset before pacing).
 */
enum Variant {
  SEQUENTIAL(Broadcasters.Preset.SEQUENTIAL, null),
  CONCURRENT(Broadcasters.Preset.CONCURRENT, null),
  BATCHED(Broadcasters.Preset.BATCHED, null),
  BACKPRESSURE_CONFLATE(Broadcasters.Preset.BACKPRESSURE, OverflowPolicy.CONFLATE),
  BACKPRESSURE_RESYNC(Broadcasters.Preset.BACKPRESSURE, OverflowPolicy.DROP_AND_RESYNC),
  BACKPRESSURE_DISCONNECT(Broadcasters.Preset.BACKPRESSURE, OverflowPolicy.DISCONNECT),
  BATCHED_BACKPRESSURE_CONFLATE(Broadcasters.Preset.BACKPRESSURE, OverflowPolicy.CONFLATE),
  BATCHED_BACKPRESSURE_RESYNC(Broadcasters.Preset.BACKPRESSURE, OverflowPolicy.DROP_AND_RESYNC),
  /** Paced by consumption: its clients answer pings whenever the test flushes. */
  PRODUCTION(Broadcasters.Preset.PRODUCTION, null);

  static final OutboxLimits SMALL = new OutboxLimits(2 * 1024, 8, Duration.ofSeconds(30));

  final Broadcasters.Preset preset;
  final OverflowPolicy policy;

  Variant(Broadcasters.Preset preset, OverflowPolicy policy) {
    this.preset = preset;
    this.policy = policy;
  }

  Broadcasters.Builder builder() {
    Broadcasters.Builder builder = preset.newBuilder();
    if (policy != null) {
      builder.outboxLimits(SMALL).overflowPolicy(policy);
    }
    if (name().startsWith("BATCHED_")) {
      builder.batchInterval(Broadcasters.DEFAULT_BATCH_INTERVAL); // The former production preset.
    }
    return builder;
  }

  boolean isBatched() {
    return preset.isBatched() || name().startsWith("BATCHED_");
  }

  /** Whether a client is sent a frame only once it proved it consumed the one before. */
  boolean isPaced() {
    return preset.isPaced();
  }

  /** Whether a stalled client blocks the publisher (so tests must not stall one). */
  boolean publisherWaits() {
    return this == SEQUENTIAL;
  }

  /** Whether a client that falls behind is closed instead of brought back. */
  boolean disconnectsSlowClients() {
    return policy == OverflowPolicy.DISCONNECT;
  }
}
