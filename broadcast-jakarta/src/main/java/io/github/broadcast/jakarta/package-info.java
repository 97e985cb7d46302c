/**
 * Puts a {@link io.github.broadcast.Broadcaster} on Jakarta WebSocket (JSR-356) sessions, in any
 * container: build a {@link io.github.broadcast.jakarta.BroadcastEndpointConfig}, deploy its {@code
 * serverEndpointConfig()} with {@code ServerContainer.addEndpoint}, and call its {@code
 * shutdown(grace)} when the application stops. The same contract suite runs it on Tyrus, Tomcat 11
 * and Jetty 12 ({@code EndpointContract} in broadcast-testing).
 *
 * <h2>What an async send's completion means, per container</h2>
 *
 * The broadcaster keeps one send in flight per client and starts the next from the previous one's
 * completion, so what "complete" means decides where a slow client's bytes wait:
 *
 * <ul>
 *   <li><b>Tyrus 2.2 on Grizzly 4</b>: the frame was written to the socket, or queued in Grizzly's
 *       per-connection async write queue (unbounded) and then written. A second send in flight is
 *       queued too.
 *   <li><b>Tomcat 11</b> ({@code WsRemoteEndpointImplServer.doWrite}): the whole message was
 *       written to the socket ({@code SocketWrapperBase.COMPLETE_WRITE_WITH_COMPLETION}); Tomcat
 *       queues nothing of its own, and a second send while one is in flight throws {@code
 *       IllegalStateException: ... [TEXT_FULL_WRITING]}, which this adapter never lets happen. Its
 *       async send timeout is off unless set ({@code RemoteEndpoint.Async.setSendTimeout}); the
 *       broadcaster's send timeout covers it. A close other than 1000 is a blocking write that
 *       waits at most 50 ms for a message in flight ({@code
 *       org.apache.tomcat.websocket.ABNORMAL_SESSION_CLOSE_SEND_TIMEOUT}), then drops the
 *       connection, so the peer sees 1006; the endpoint raises it to 2 s for the closes it makes
 *       for what a client sent (1008, 1009), and leaves it for the rest, whose caller must not
 *       block.
 *   <li><b>Jetty 12</b> ({@code FrameFlusher}): the frame was flushed to the connection's endpoint;
 *       before that it waits in the session's frame queue (unbounded unless {@code
 *       maxOutgoingFrames} is set), and a close frame waits behind the data frames ahead of it. A
 *       stalled peer therefore never lets a close frame out, and Jetty never calls {@code onClose}.
 *       A close with any code but 1000, 1005 or 3000 to 4999 is a "hard close": Jetty closes the
 *       connection once the close frame has left, without waiting for the peer's, and answers what
 *       the peer sends after it with a TCP reset. A peer still writing then may report the reset
 *       instead of the close frame (the JDK's client does: 1006 where the server said 1008). So the
 *       endpoint closes a client for what it sent (1008, 1009) only once the client has been silent
 *       for 500 ms (at most 5 s after the offence), its messages meanwhile dropped; the contract
 *       suite's {@code aFloodThatGoesOnAMoment_afterItsViolation_stillReads1008} failed 2 times in
 *       6 on Jetty without it. The 1001 of a shutdown and the 1013 of a refused connection are hard
 *       closes too: a client sending at that moment may see 1006 on Jetty.
 * </ul>
 *
 * Past the container, the kernel's socket send buffer absorbs a stalled peer's bytes until it is
 * full; completions then stop, and the broadcaster's send timeout or grace period closes the
 * client. Because of Jetty, a client the server closes gives back its place under {@code
 * maxClients} at once, not when the container reports the close, and its idle timeout drops to 5 s
 * so that the container tears down a connection whose close frame cannot leave (Jetty's frame
 * flusher fails entries older than the idle timeout).
 *
 * <h2>Pacing: what a pong proves, per client</h2>
 *
 * A paced client ({@code Broadcasters.Preset.PRODUCTION}) gets its next data frame only once it has
 * proved it consumed the one before. The endpoint sends a ping after each data frame, with an
 * 8-byte number as its payload; RFC 6455 makes the peer answer with a pong carrying the same bytes,
 * and it reads its frames in order, so the pong to the latest ping proves that every frame before
 * that ping left the network for the client's own code. A pong to an earlier ping, or an
 * unsolicited one, is a sign of life only. How far "consumed" reaches depends on the client:
 *
 * <ul>
 *   <li><b>Node's {@code ws}</b>: the pong is sent by the receiver after it parsed the earlier
 *       frames and emitted their {@code message} events: it proves the application was handed them.
 *   <li><b>Chromium</b>: the pong comes from the network service, not from the page's main thread.
 *       It proves the bytes left the kernel and the network stack, which stops reading when the
 *       renderer's pipe (about 128 KB) is full: a page whose main thread is busy answers late, but
 *       answers while that pipe has room.
 *   <li><b>Firefox</b>: the pong comes from the socket thread, with the same reach as Chromium's.
 *   <li><b>The JDK's {@code java.net.http.WebSocket}</b>: the pong is sent after the listener took
 *       the earlier messages (it requests more as it returns).
 *   <li><b>Tyrus, Tomcat and Jetty as clients</b>: they answer pings on their reading thread, after
 *       delivering the frames before them to the endpoint.
 * </ul>
 *
 * A page that wants to count as busy while its main thread is busy connects with {@code ?ack=1} and
 * sends {@code ack N} itself, N being how many data frames it has applied (or drawn) since it
 * connected; the endpoint then paces it by those acks instead of by pongs. A client that has never
 * answered a ping (a tool that ignores them) gets the latest state at most once a second, never a
 * backlog: until its first proof, a frame counts as consumed a second after its send completed. The
 * silence rule, fed by any frame the client sends, closes one that says nothing for too long.
 *
 * <p>On Tomcat and Jetty the endpoint writes the frames, and the pings after them, through each
 * container's own non-blocking path below the Jakarta API (the default {@link
 * io.github.broadcast.jakarta.BroadcastEndpointConfig.Builder#frameWriter frameWriter}): the
 * message is encoded once for every session, and no ping blocks a thread; elsewhere it uses {@code
 * sendText} and {@code sendPing}.
 *
 * <h2>Shutting down</h2>
 *
 * Stopping a container drops its connections; a browser then sees 1006 (abnormal). Call {@code
 * shutdown(grace)} first: every client is closed with 1001 and the call waits until the container
 * reports each closed. Where to call it: Tomcat runs a {@code ServletContextListener}'s {@code
 * contextDestroyed} before it closes connections; Jetty closes connections before its contexts
 * stop, so use a {@code LifeCycle.Listener}'s {@code lifeCycleStopping}; in Spring Boot, a {@code
 * SmartLifecycle} that stops before the web server (the starter registers one).
 *
 * <h2>Threads</h2>
 *
 * The container calls the endpoint on its threads, never two at once for one session; sends start
 * on the broadcaster's threads and complete on the container's.
 */
package io.github.broadcast.jakarta;
