/**
 * WebSocket fan-out for real-time dashboards: one slow client never holds back the others, memory
 * stays bounded, and every client converges to the server's view.
 *
 * <h2>Data flow</h2>
 *
 * <pre>
 * producer (hook POST, file watcher, app code)
 *   -&gt; {@link io.github.broadcast.SessionStore#apply}   latest state + version per session
 *        (in this process, or shared by several nodes through Redis: broadcast-redis)
 *   -&gt; every subscriber: {@link io.github.broadcast.Broadcaster#publish}   the strategy decides
 *        -&gt; {@link io.github.broadcast.MessageCodec}     encoded once: one Frame for all
 *        -&gt; {@link io.github.broadcast.Client#send}       one send in flight per client
 * </pre>
 *
 * <h2>The central promise</h2>
 *
 * After publishing stops and sends complete, every open client's view equals the broadcaster's (per
 * session, the latest version), under every strategy and overflow policy: updates may be coalesced
 * or dropped on the way, but a client that is kept is always brought back to the true state, by a
 * coalesced catch-up or a fresh snapshot. Versions a client sees for one session never go
 * backwards; a client's first frame is {@code initial_state}, and after it comes every later update
 * with no gap and no duplicate.
 *
 * <h2>Threads</h2>
 *
 * Every public type is thread-safe unless its Javadoc says otherwise. {@code publish} never blocks
 * (except in the sequential baseline); there is no thread per client: a client's next send starts
 * from its previous send's completion. One scheduler thread per broadcaster runs batch flushes,
 * timeouts, grace periods and heartbeats.
 *
 * <h2>Where to start reading</h2>
 *
 * {@link io.github.broadcast.Broadcasters} for the presets and the builder; {@link
 * io.github.broadcast.Broadcaster} for the promises; {@link io.github.broadcast.SessionStore} for
 * the store contract; {@link io.github.broadcast.Client} to adapt a transport. Inside: {@code
 * FanoutBroadcaster} (registration and ordering) and {@code Outbox} (one client's bounded queue)
 * open with design notes; {@code BatchingBroadcaster} coalesces in front of them.
 */
package io.github.broadcast;
