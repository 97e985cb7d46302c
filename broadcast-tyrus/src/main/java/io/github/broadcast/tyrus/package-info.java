/**
 * An embedded server for broadcast-jakarta's endpoint: {@link
 * io.github.broadcast.tyrus.EmbeddedServer} runs Tyrus on Grizzly with the endpoint and plain HTTP
 * handlers on one port, 127.0.0.1 by default, behind a front door that checks every request's Host,
 * Origin and token and gathers bodies under a size limit and a deadline, with graceful shutdown and
 * TLS. In another container (Tomcat, Jetty, Spring Boot), use broadcast-jakarta alone.
 *
 * <h2>What it relies on (Tyrus 2.2 on Grizzly 4)</h2>
 *
 * <ul>
 *   <li>An async send's completion means the frame was written to the socket, or queued in
 *       Grizzly's per-connection async write queue and then written; that queue is unbounded, which
 *       is why the broadcaster keeps one send in flight per client and bounds its own outbox. Past
 *       the queue, the kernel's send buffer (autotuned, up to {@code tcp_wmem}'s maximum) absorbs a
 *       stalled peer's bytes; completions then stop, and the broadcaster's send timeout or grace
 *       period closes the client.
 *   <li>Tyrus reads a whole frame (up to its 4 MiB incoming buffer) before it checks the message
 *       size: a larger message than {@code maxMessageBytes} is closed with 1009, one past 4 MiB
 *       with 1011.
 *   <li>Tyrus' refusal of a foreign Origin leaves the connection open after a 403 head with no
 *       length; the embedded server refuses it first, with a complete response, and closes.
 *   <li>Grizzly calls an HTTP handler as soon as a request's head has arrived, and a blocking read
 *       of its body then holds a worker thread (there are two per core) until the body comes; the
 *       embedded server gathers bodies in its filter chain first (Grizzly appends each chunk to the
 *       stored remainder), under a size limit and a deadline.
 *   <li>A server-side {@code Session.close} makes Tyrus call {@code onClose} at once and close the
 *       TCP connection once the close frame is written; stopping Grizzly before that drops the
 *       frame (the browser sees 1006), so the embedded server's shutdown waits for the connections
 *       to close.
 *   <li>Tyrus negotiates no extension unless one is configured: the embedded server adds
 *       permessage-deflate (compressed once per message, without context takeover) unless {@code
 *       EmbeddedServer.Builder.permessageDeflate(false)}.
 *   <li>A ping written through Tyrus' connection writer joins the same per-connection queue as the
 *       data frames, in order, and never blocks; its pong comes back through the endpoint's pong
 *       handler. The endpoint numbers its pings, so that only the pong to the latest proves that
 *       the frames before it were consumed (broadcast-jakarta's package documentation says what a
 *       pong proves for each kind of client).
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * The embedded server calls the endpoint's onOpen (the handshake) and every HTTP handler on
 * Grizzly's worker threads; the frames of an upgraded connection (pongs, acks, pings) are handled
 * on the selector thread that read them, since what the endpoint does with each is short and never
 * blocks, and a hand-over to a worker per pong cost more than the pong (p99 at 10,000 pages 1.2 to
 * 1.3 s with the hand-over, 0.7 s without; load test, scale-10x1x10000). Sends start on the
 * broadcaster's threads or those, and complete on the container's.
 */
package io.github.broadcast.tyrus;
