/**
 * Several server nodes, one stream of session updates and one view: {@link
 * io.github.broadcast.redis.RedisSessionStore} keeps the latest state of every session in Redis,
 * assigns global versions atomically, and carries every change to every node over pub/sub.
 *
 * <p>An acknowledged change survives any Redis failure that a running node outlives (an empty
 * restart, a restart from an older snapshot, a pause); a failed change says whether it was not
 * made ({@link io.github.broadcast.redis.RedisUnavailableException}) or may have been ({@link
 * io.github.broadcast.redis.RedisOutcomeUnknownException}, safe to retry with its change id).
 * Start with the class Javadoc of {@code RedisSessionStore}, then the design note at the top of
 * its body.
 */
package io.github.broadcast.redis;
