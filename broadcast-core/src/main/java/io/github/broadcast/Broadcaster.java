package io.github.broadcast;

import java.util.Map;

/**
 * Delivers session updates to many clients under a strategy chosen in {@link Broadcasters}.
 *
 * <h2>Promises</h2>
 *
 * <ul>
 *   <li><b>Snapshot, then live.</b> A registered client first receives {@code initial_state} (every
 *       session's latest published update), then every later update: no gap and no duplicate
 *       between the two, whatever other threads publish meanwhile.
 *   <li><b>Monotonic.</b> The versions a client sees for one session never go backwards; an update
 *       not newer than the last published one for its session is discarded.
 *   <li><b>Convergent.</b> Once publishing stops and sends complete, every open client's view
 *       equals the broadcaster's view (per session, its latest update), whichever strategy and
 *       overflow policy coalesced or dropped updates on the way.
 *   <li><b>Encode once.</b> Each publish (each flush when batched) is encoded once and the same
 *       {@link Frame} goes to every client.
 *   <li><b>One send in flight per client</b>, and the next starts from the previous one's
 *       completion: no thread per client.
 *   <li><b>No call into a client under a lock.</b> Sends, closes and pings are made with no lock of
 *       the broadcaster held, so a transport may complete a send inline and call back in.
 *   <li><b>Faults stay with their client.</b> A codec, listener or client that throws is counted
 *       ({@link BroadcastStats#faults()}), logged at most once a second, and affects only the
 *       client (closed with {@link CloseReason#INTERNAL_ERROR} where it must be) or the update
 *       concerned; delivery to the others and the flush clock carry on.
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * Every method may be called from any thread, concurrently. {@link #publish} never blocks, except
 * in the sequential strategy, where the publisher waits for each client in turn: that baseline is
 * kept to measure what the other strategies fix. Sends start on the publishing thread (or the flush
 * thread, when batched) and continue on the transport's completion threads; timeouts, grace periods
 * and heartbeats run on the scheduler.
 *
 * <h2>Lifecycle</h2>
 *
 * <pre>{@code
 * Broadcaster broadcaster = Broadcasters.production();
 * broadcaster.register(client);                    // client receives initial_state
 * broadcaster.publish(SessionUpdate.of("a", 1, state));
 * broadcaster.unregister(client);                  // the transport saw it close
 * broadcaster.close();                             // closes the remaining clients (1001)
 * }</pre>
 */
public interface Broadcaster extends AutoCloseable {

  /**
   * Adds {@code client} and starts sending it {@code initial_state}: of its {@link
   * Client#topics()}, or, when it resumes ({@link Client#resumeFrom()}), what changed in them. If
   * the codec cannot encode {@code initial_state}, the client is closed with {@link
   * CloseReason#INTERNAL_ERROR} instead and not added.
   *
   * @throws IllegalArgumentException if the client is registered already
   * @throws IllegalStateException if this broadcaster is closed
   */
  void register(Client client);

  /**
   * Removes {@code client} without closing it: the transport reports that it closed. Anything still
   * queued for it is discarded. Does nothing for a client that is not registered.
   */
  void unregister(Client client);

  /**
   * Delivers {@code update} to every registered client, under this broadcaster's strategy; an
   * update not newer than the last one published for its session is counted and discarded, and so
   * is one the codec cannot encode (as a fault; see {@link MessageCodec}).
   *
   * @throws IllegalStateException if this broadcaster is closed
   */
  void publish(SessionUpdate update);

  /**
   * From now on, {@code client} receives {@code topics} (see {@link Topics} and {@link
   * Broadcasters.Builder#topics}): it is sent an {@code initial_state} of them, which replaces
   * everything it holds, then their updates; whatever was waiting for it of its old topics is
   * dropped. A session that later moves out of its topics reaches it as a removal. Its outbox,
   * pacing and liveness are unchanged. Does nothing for a client that is not registered.
   *
   * <p>Who may see which topics is the transport's decision (broadcast-jakarta's {@code
   * TopicAccess}); this method obeys.
   */
  void subscribe(Client client, Topics topics);

  /**
   * Returns how many clients receive each topic now, by the keys their {@link Topics} name: each
   * topic name, each glob as written, and {@code (all)} for clients of every topic. Sorted.
   */
  Map<String, Integer> subscribers();

  /**
   * Records that {@code client} sent an application-level {@code ping} and queues a {@code pong}
   * for it, ahead of any updates waiting for it. Counts as a sign of life for the heartbeat.
   */
  void onPing(Client client);

  /**
   * Records that {@code client} answered the latest ping {@link Client#ping()} handed over: a sign
   * of life and, in a paced broadcaster, proof that the client consumed every frame sent before
   * that ping, which lets the next one go. A transport calls it only for the pong whose payload
   * matches its latest ping; any other pong is {@link #onMessage}.
   */
  void onPong(Client client);

  /**
   * Records that {@code client} says it has applied the first {@code framesApplied} data frames it
   * was sent ({@code initial_state}, {@code session_update} and {@code batch_update}, counted from
   * its connection): a sign of life and, for a client that {@link Client#acknowledges()} in a paced
   * broadcaster, proof that it consumed them. A count beyond what was sent proves what was sent.
   *
   * @return whether it acknowledged a frame not acknowledged before; a transport counts any other
   *     acknowledgement against the client's inbound message rate
   */
  boolean onAck(Client client, long framesApplied);

  /** Records that any other message arrived from {@code client}: a sign of life, no more. */
  void onMessage(Client client);

  /** Returns a snapshot of the counters; cheap enough to call once a second. */
  BroadcastStats stats();

  /**
   * Stops accepting publishes and registrations, flushes a pending batch, hands each client
   * whatever its transport can take now, and closes every client with {@link CloseReason#SHUTDOWN}.
   * Stops the scheduler thread if the broadcaster created it. Idempotent.
   */
  @Override
  void close();
}
