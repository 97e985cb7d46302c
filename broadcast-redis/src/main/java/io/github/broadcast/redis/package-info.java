/**
 * Several server nodes, one stream of session updates and one view: {@link
 * io.github.broadcast.redis.RedisSessionStore} keeps the latest state of every session in Redis,
 * assigns global versions atomically, and carries every change to every node over pub/sub. It is a
 * {@link io.github.broadcast.SessionStore}, with the same rules as the store in one process.
 *
 * <h2>What Redis holds, and how a change is made</h2>
 *
 * <p>One hash ({@code PREFIX:sessions}) maps each session id to its version, write time, change id
 * and JSON state (a tombstone has no state); one counter ({@code PREFIX:version}) hands out
 * versions; one pub/sub channel ({@code PREFIX:updates}) carries every change; one short-lived key
 * per change ({@code PREFIX:change:ID}) remembers that it was made. {@link RedisSessionStore#apply}
 * is an optimistic read-modify-write: it computes the new state from the version this node holds,
 * and a Lua script stores it only if the session is still at that version, takes the next version
 * from the counter, and publishes, all atomically; on a conflict (another node changed the session
 * first) it rereads and applies the change again. So versions are global and grow with every
 * change, and two nodes changing one session never lose either change.
 *
 * <h2>What an acknowledged change means</h2>
 *
 * <p>When {@link RedisSessionStore#apply} returns, the change is in Redis, published to every node,
 * and in this node's view. It survives, without persistence in Redis, any Redis failure that leaves
 * at least one node holding it: see the design note in the source for the rules. Two outcomes are
 * not acknowledgements, and they are told apart:
 *
 * <ul>
 *   <li>{@link StoreUnavailableException}: the change was not made; nothing was sent. Redis is
 *       unreachable, or the node has not yet reconciled with a Redis that came back.
 *   <li>{@link ChangeOutcomeUnknownException}: the change was sent and no answer came (a timeout,
 *       or the connection dropped). Apply it again with the same change id: Redis drops a change id
 *       it has already made within the dedup window (default 1 minute).
 * </ul>
 *
 * <h2>Faults</h2>
 *
 * <ul>
 *   <li>Pub/sub is fire-and-forget. Whenever the subscription is (re)established, the node
 *       reconciles with Redis and rereads every session: a lost connection, or a restart of Redis,
 *       ends with every node at the true view.
 *   <li>A Redis restarted empty, or from an older snapshot, is reconciled by every node before any
 *       node writes through it again: the counter is raised above every version the node knows, and
 *       every session Redis lacks or holds at an older version is written back.
 *   <li>While Redis is unreachable or paused, each node keeps serving its clients from its last
 *       view, logs it, and reports {@code connected=false} in {@link RedisSessionStore#stats()},
 *       from the first disconnect or command timeout until it has reconciled; changes are refused
 *       meanwhile.
 * </ul>
 *
 * <p>Reading order: {@code RedisSessionStore} (the API), the design note at the top of {@code
 * Replication} (the rules), then {@code Writes}, {@code Readiness}, {@code NodeView}, {@code
 * RedisFormat} (the scripts), {@code RedisLink} and {@code Expiry}.
 */
package io.github.broadcast.redis;

import io.github.broadcast.ChangeOutcomeUnknownException;
import io.github.broadcast.StoreUnavailableException;
