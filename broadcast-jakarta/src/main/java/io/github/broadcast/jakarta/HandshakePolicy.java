package io.github.broadcast.jakarta;

import io.github.broadcast.Ticker;
import io.github.broadcast.internal.Secret;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * bucket, first those of the client's address ({@link AddressLimits}), then those all addresses
 * share. The JSR-356 configurator cannot refuse a handshake for any reason but its origin, so a
 * connection over a cap or a rate is accepted and closed at once with 1013 (try again later),
 * before it is registered with the broadcaster.
 *
 * <p>The client's address ({@link ClientAddresses}) is known in two halves: the forwarding headers
 * only at the handshake ({@link #modifyHandshake}), the peer at the handshake on containers of
 * Jakarta WebSocket 2.2 (Tomcat 11) and Tyrus, and only on the session on Jetty 12 (its {@code
 * jakarta.websocket.endpoint.remoteAddress} property). What the handshake learns travels to {@link
 * BroadcastEndpoint#onOpen} in the handshake's own copy of the configuration's user properties
 * (Tomcat and Jetty make one per handshake); Tyrus hands every handshake the one shared
 * configuration, and opens the session on the thread that ran the handshake, so there it travels in
 * a thread-local.
 *
 * <p>Thread-safe: the container calls it from its handshake threads.
 */
final class HandshakePolicy extends ServerEndpointConfig.Configurator {

  private static final System.Logger logger = System.getLogger(HandshakePolicy.class.getName());
  private static final String HANDSHAKE = HandshakePolicy.class.getName() + ".handshake";
  private static final String JETTY_REMOTE_ADDRESS = "jakarta.websocket.endpoint.remoteAddress";

  private final BroadcastEndpoint endpoint;
  private final Set<String> allowedOrigins; // Lower case; empty when any origin is allowed.
  private final boolean anyOrigin;
  private final int maxClients;
  private final TokenBucket connectionRate;
  private final Secret token; // Null when no token is required.
  private final ClientAddresses addresses;
  private final AddressLimits perAddress;
  private final boolean keepsHeaders; // A TopicAccess reads them.
  private final ThreadLocal<Handshake> sharedConfigHandshake = new ThreadLocal<>();
  private volatile Map<String, Object> sharedProperties = Map.of();
  private volatile boolean warnedUnknownAddress;

  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder admitted = new LongAdder();
  private final LongAdder refusedOrigin = new LongAdder();
  private final LongAdder refusedToken = new LongAdder();
  private final LongAdder refusedCapacity = new LongAdder();
  private final LongAdder refusedRate = new LongAdder();
  private final LongAdder refusedAddress = new LongAdder();
  final LongAdder refusedTopics = new LongAdder();
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
      String token,
      ClientAddresses addresses,
      AddressLimits perAddress,
      boolean keepsHeaders) {
    this.endpoint = endpoint;
    this.token = Secret.of(token);
    this.allowedOrigins = allowedOrigins;
    this.anyOrigin = anyOrigin;
    this.maxClients = maxClients;
    this.connectionRate = new TokenBucket(ticker, connectionBurst, connectionsPerSecond);
    this.addresses = addresses;
    this.perAddress = perAddress;
    this.keepsHeaders = keepsHeaders;
  }

  /** The user properties of the deployed configuration, to tell a per-handshake copy from it. */
  void sharedProperties(Map<String, Object> properties) {
    this.sharedProperties = properties;
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

  /**
   * What a handshake tells of its client: the peer, when the container says, and the chain (when
   * the limits per address need them); its headers (when a {@link TopicAccess} reads them).
   */
  record Handshake(InetAddress peer, List<String> chain, Map<String, List<String>> headers) {}

  @Override
  public void modifyHandshake(
      ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
    super.modifyHandshake(config, request, response);
    if (!perAddress.enabled() && !keepsHeaders) {
      return;
    }
    boolean addresses = perAddress.enabled();
    Handshake handshake =
        new Handshake(
            addresses ? ClientAddresses.literal(peerOf(request)) : null,
            addresses && this.addresses.trustsAny()
                ? this.addresses.chain(request.getHeaders())
                : List.of(),
            keepsHeaders ? new HashMap<>(request.getHeaders()) : Map.of());
    if (config.getUserProperties() != sharedProperties) {
      config.getUserProperties().put(HANDSHAKE, handshake);
    } else {
      sharedConfigHandshake.set(handshake);
    }
  }

  /**
   * Takes what the handshake of {@code session} told, or null if nothing was kept (neither the
   * limits per address nor a topic access need it). Called first in {@code onOpen}, once.
   */
  Handshake takeHandshake(Session session) {
    if (!perAddress.enabled() && !keepsHeaders) {
      return null;
    }
    Handshake handshake = (Handshake) session.getUserProperties().remove(HANDSHAKE);
    if (handshake == null) {
      handshake = sharedConfigHandshake.get();
      sharedConfigHandshake.remove();
    }
    return handshake;
  }

  /**
   * The key the limits per address count {@code session} under, or null when they are off or its
   * address cannot be known (then only the shared limits apply to it, and a warning says so once).
   */
  String addressKey(Session session, Handshake handshake) {
    if (!perAddress.enabled()) {
      return null;
    }
    InetAddress peer = handshake == null ? null : handshake.peer();
    if (peer == null
        && session.getUserProperties().get(JETTY_REMOTE_ADDRESS) instanceof InetSocketAddress) {
      peer =
          ((InetSocketAddress) session.getUserProperties().get(JETTY_REMOTE_ADDRESS)).getAddress();
    }
    if (peer == null) {
      if (!warnedUnknownAddress) {
        warnedUnknownAddress = true;
        logger.log(
            Level.WARNING,
            "this container does not tell a WebSocket client's address: the limits per address"
                + " do not apply");
      }
      return null;
    }
    List<String> chain = handshake == null ? List.of() : handshake.chain();
    return ClientAddresses.key(addresses.client(peer, chain));
  }

  // A handshake request's peer address getter, found by name, since the API this module compiles
  // against (2.1, which Jetty 12 implements) has none: Jakarta WebSocket 2.2's getRemoteAddress()
  // (Tomcat 12), a public getRemoteAddr() (Tyrus' RequestContext), or the getRemoteAddr() of the
  // servlet request the handshake wraps (Tomcat 11's WsHandshakeRequest keeps it in a private
  // field until the handshake ends; Tomcat's packages are open, as ContainerWriters relies on
  // too). It honours Tomcat's RemoteIpValve. Else none: Jetty tells the address on the session.
  private static final ClassValue<MethodHandle> REMOTE_ADDRESS =
      new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
          MethodType getter = MethodType.methodType(String.class);
          for (String name : new String[] {"getRemoteAddress", "getRemoteAddr"}) {
            try {
              return MethodHandles.publicLookup().findVirtual(type, name, getter);
            } catch (ReflectiveOperationException | RuntimeException e) {
              // Not this one.
            }
          }
          for (Field field : type.getDeclaredFields()) {
            if (field.getType().getName().equals("jakarta.servlet.http.HttpServletRequest")) {
              try {
                field.setAccessible(true);
                MethodHandle request = MethodHandles.lookup().unreflectGetter(field);
                MethodHandle remoteAddr =
                    MethodHandles.publicLookup()
                        .findVirtual(field.getType(), "getRemoteAddr", getter);
                return MethodHandles.filterReturnValue(
                    request.asType(MethodType.methodType(field.getType(), Object.class)),
                    remoteAddr);
              } catch (ReflectiveOperationException | RuntimeException e) {
                logger.log(Level.DEBUG, () -> "no peer address in " + type + ": " + e);
              }
            }
          }
          return null;
        }
      };

  /** The handshake's peer address as the container gives it, or null. */
  private static String peerOf(HandshakeRequest request) {
    MethodHandle getter = REMOTE_ADDRESS.get(request.getClass());
    if (getter == null) {
      return null;
    }
    try {
      return (String) getter.invoke((Object) request);
    } catch (Throwable e) { // AbstractMethodError: a class written for an older API.
      return null;
    }
  }

  /**
   * Admits a new connection from {@code addressKey} (null: no limits per address), or returns why
   * not (the caller closes it with 1013). Per address first: a refusal there takes nothing of what
   * all addresses share.
   */
  String admit(String addressKey) {
    if (addressKey != null) {
      String refusal = perAddress.admit(addressKey);
      if (refusal != null) {
        refusedAddress.increment();
        return refusal;
      }
    }
    String refusal = null;
    if (open.incrementAndGet() > maxClients) {
      open.decrementAndGet();
      refusedCapacity.increment();
      refusal = "at the connection limit of " + maxClients;
    } else if (!connectionRate.tryAcquire()) {
      open.decrementAndGet();
      refusedRate.increment();
      refusal = "over the connection rate";
    }
    if (refusal != null) {
      if (addressKey != null) {
        perAddress.release(addressKey);
      }
      return refusal;
    }
    admitted.increment();
    return null;
  }

  /** Releases a connection admitted from {@code addressKey}. */
  void release(String addressKey) {
    open.decrementAndGet();
    if (addressKey != null) {
      perAddress.release(addressKey);
    }
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
        refusedAddress.sum(),
        refusedTopics.sum(),
        policyCloses.sum(),
        sums(closedByServer),
        sums(closedByClient));
  }
}
