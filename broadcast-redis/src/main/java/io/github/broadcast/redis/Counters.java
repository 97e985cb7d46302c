package io.github.broadcast.redis;

import java.util.concurrent.atomic.AtomicLong;

/** The counters behind {@link RedisSessionStore.Stats}, written by every part of the store. */
final class Counters {
  final AtomicLong disconnects = new AtomicLong();
  final AtomicLong resyncs = new AtomicLong();
  final AtomicLong reseeded = new AtomicLong();
  final AtomicLong rebuilds = new AtomicLong();
  final AtomicLong conflicts = new AtomicLong();
  final AtomicLong failedWrites = new AtomicLong();
  final AtomicLong unknownOutcomes = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong received = new AtomicLong();
}
