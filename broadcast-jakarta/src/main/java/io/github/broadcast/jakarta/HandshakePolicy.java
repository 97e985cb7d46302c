package io.github.broadcast.jakarta;

import io.github.broadcast.Ticker;
import io.github.broadcast.internal.Secret;
import jakarta.websocket.Extension;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The endpoint's {@link ServerEndpointConfig.Configurator}: the Origin allow-list and the optional
 * shared token at the handshake (a foreign origin gets 403 from the container: no cross-site
 * WebSocket hijacking), and admission after it: the connection cap and the connection-rate token
 * bucket. The JSR-356 configurator cannot refuse a handshake for any reason but its origin, so a
 * connection over the cap or the rate is accepted and closed at once with 1013 (try again later),
 * before it is registered with the broadcaster.
 *
 * <p>Thread-safe: the container calls it from its handshake threads.
 */
final class HandshakePolicy extends ServerEndpointConfig.Configurator {

  private final BroadcastEndpoint endpoint;
  private final Set<String> allowedOrigins; // Lower case; empty when any origin is allowed.
  private final boolean anyOrigin;
  private final int maxClients;
  private final TokenBucket connectionRate;
  private final Secret token; // Null when no token is required.

  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder admitted = new LongAdder();
  private final LongAdder refusedOrigin = new LongAdder();
  private final LongAdder refusedToken = new LongAdder();
  private final LongAdder refusedCapacity = new LongAdder();
  private final LongAdder refusedRate = new LongAdder();
  final LongAdder policyCloses = new LongAdder();
  private final Map<Integer, LongAdder> closedByServer = new ConcurrentHashMap<>();
  private final Map<Integer, LongAdder> closedByClient = new ConcurrentHashMap<>();

  HandshakePolicy(
      BroadcastEndpoint endpoint,
      Set<String> allowedOrigins,
      boolean anyOrigin,
      int maxClients,
      Ticker ticker,
      double connectionsPerSecond,
      int connectionBurst,
      String token) {
    this.endpoint = endpoint;
    this.token = Secret.of(token);
    this.allowedOrigins = allowedOrigins;
    this.anyOrigin = anyOrigin;
    this.maxClients = maxClients;
    this.connectionRate = new TokenBucket(ticker, connectionBurst, connectionsPerSecond);
  }

  /**
   * Allows a handshake without an Origin header (browsers always send one; cross-site hijacking
   * needs a browser), any origin when so configured, and otherwise only the listed ones.
   */
  @Override
  public boolean checkOrigin(String origin) {
    if (originAllowed(origin)) {
      return true;
    }
    refusedOrigin.increment();
    return false;
  }

  /**
   * The endpoint's frame writer chooses, if it builds extension frames itself; else the container.
   */
  @Override
  public List<Extension> getNegotiatedExtensions(
      List<Extension> installed, List<Extension> requested) {
    List<Extension> chosen = endpoint.negotiateExtensions(requested);
    return chosen != null ? chosen : super.getNegotiatedExtensions(installed, requested);
  }

  /** The same rule as {@link #checkOrigin}, without counting a refusal. */
  boolean originAllowed(String origin) {
    return origin == null || anyOrigin || allowedOrigins.contains(origin.toLowerCase(Locale.ROOT));
  }

  /** Checks the handshake's {@code ?token=}, in constant time; true when none is required. */
  boolean checkToken(String presented) {
    if (token == null || token.matches(presented)) {
      return true;
    }
    refusedToken.increment();
    return false;
  }

  @Override
  public <T> T getEndpointInstance(Class<T> endpointClass) throws InstantiationException {
    if (!endpointClass.isInstance(endpoint)) {
      throw new InstantiationException("this configurator serves " + BroadcastEndpoint.class);
    }
    return endpointClass.cast(endpoint);
  }

  /** Admits a new connection, or returns why not (the caller closes it with 1013). */
  String admit() {
    if (open.incrementAndGet() > maxClients) {
      open.decrementAndGet();
      refusedCapacity.increment();
      return "at the connection limit of " + maxClients;
    }
    if (!connectionRate.tryAcquire()) {
      open.decrementAndGet();
      refusedRate.increment();
      return "over the connection rate";
    }
    admitted.increment();
    return null;
  }

  /** Releases an admitted connection. */
  void release() {
    open.decrementAndGet();
  }

  /** Counts an admitted connection that ended with {@code code}, closed by the server or not. */
  void closed(int code, boolean byServer) {
    (byServer ? closedByServer : closedByClient)
        .computeIfAbsent(code, c -> new LongAdder())
        .increment();
  }

  private static Map<Integer, Long> sums(Map<Integer, LongAdder> counts) {
    Map<Integer, Long> sums = new HashMap<>();
    counts.forEach((code, count) -> sums.put(code, count.sum()));
    return sums;
  }

  EndpointStats stats() {
    return new EndpointStats(
        open.get(),
        admitted.sum(),
        refusedOrigin.sum(),
        refusedToken.sum(),
        refusedCapacity.sum(),
        refusedRate.sum(),
        policyCloses.sum(),
        sums(closedByServer),
        sums(closedByClient));
  }
}
