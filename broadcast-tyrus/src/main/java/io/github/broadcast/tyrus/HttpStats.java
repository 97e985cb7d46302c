package io.github.broadcast.tyrus;

import io.github.broadcast.jakarta.EndpointStats;

/**
 * An immutable snapshot of the requests the embedded server refused before any handler or the
 * endpoint saw them, from {@link EmbeddedServer#httpStats()}. HTTP requests and WebSocket
 * handshakes both count here; the endpoint's own {@link EndpointStats} counts its handshakes again
 * by reason.
 *
 * @param refusedHost refused with 403: a Host header the server does not answer to (DNS rebinding),
 *     or none
 * @param refusedOrigin refused with 403: an Origin header that is not allowed
 * @param refusedToken refused with 401: a required token missing or wrong
 * @param refusedShuttingDown refused with 503 while the server was starting or shutting down
 * @param bodiesTooLarge refused with 413: a body over the size limit
 * @param bodiesTimedOut answered 408: a body that did not arrive within its deadline, never handled
 * @param headsTimedOut a request head that did not arrive within its deadline (408), or a
 *     connection that sent nothing within it (closed)
 * @param refusedUnfinished connections closed, or requests answered 429, because their address
 *     already held its cap of unfinished requests (heads and bodies still arriving)
 * @param unfinishedRequests requests whose head or body is still arriving now, with connections
 *     that have sent nothing yet
 * @param idleClosed HTTP connections closed after sitting idle between requests for the idle
 *     timeout (not a refusal: a browser opens a new one when it needs it)
 */
public record HttpStats(
    long refusedHost,
    long refusedOrigin,
    long refusedToken,
    long refusedShuttingDown,
    long bodiesTooLarge,
    long bodiesTimedOut,
    long headsTimedOut,
    long refusedUnfinished,
    int unfinishedRequests,
    long idleClosed) {}
