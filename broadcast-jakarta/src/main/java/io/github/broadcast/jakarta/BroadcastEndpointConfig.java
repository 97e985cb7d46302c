package io.github.broadcast.jakarta;

import static java.util.Objects.requireNonNull;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Scheduler;
import io.github.broadcast.Ticker;
import io.github.broadcast.internal.Checks;
import jakarta.websocket.server.ServerEndpointConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Binds a {@link Broadcaster} to a WebSocket path, for any Jakarta WebSocket (JSR-356) container:
 * build it, then deploy {@link #serverEndpointConfig()}.
 *
 * <pre>{@code
 * // In any container (a ServletContextListener, a ServerApplicationConfig, ...):
 * BroadcastEndpointConfig endpoint = BroadcastEndpointConfig
 *     .newBuilder("/ws/dashboard", broadcaster)
 *     .allowedOrigins("https://dashboard.example.com")
 *     .build();
 * serverContainer.addEndpoint(endpoint.serverEndpointConfig());
 * }</pre>
 *
 * <p>The embedded server ({@code EmbeddedServer}, broadcast-tyrus) takes the builder instead, and
 * allows its own origins (same-origin) besides any listed. Every option has a safe default; each is
 * validated when set, naming the option. Thread-safe once built.
 */
public final class BroadcastEndpointConfig {

  private final String path;
  private final int maxMessageBytes;
  private final BroadcastEndpoint endpoint;
  private final HandshakePolicy policy;
  private final ServerEndpointConfig serverEndpointConfig;

  private BroadcastEndpointConfig(Builder builder, Set<String> origins, boolean anyOrigin) {
    this.path = builder.path;
    this.maxMessageBytes = builder.maxMessageBytes;
    this.endpoint = new BroadcastEndpoint(builder);
    this.policy =
        new HandshakePolicy(
            endpoint,
            origins,
            anyOrigin,
            builder.maxClients,
            builder.ticker,
            builder.connectionsPerSecond,
            builder.connectionBurst,
            builder.token,
            new ClientAddresses(builder.trustedProxies, builder.forwardedHeader),
            new AddressLimits(
                builder.maxClientsPerAddress,
                builder.connectionsPerSecondPerAddress,
                builder.connectionBurstPerAddress,
                builder.ticker),
            builder.topicAccess != null);
    endpoint.policy(policy);
    this.serverEndpointConfig =
        ServerEndpointConfig.Builder.create(BroadcastEndpoint.class, path)
            .configurator(policy)
            .build();
    policy.sharedProperties(serverEndpointConfig.getUserProperties());
  }

  /** Returns a builder for the endpoint at {@code path} (for example {@code /ws/dashboard}). */
  public static Builder newBuilder(String path, Broadcaster broadcaster) {
    return new Builder(path, broadcaster);
  }

  /** Returns the path the endpoint is deployed at. */
  public String path() {
    return path;
  }

  /** Returns the largest text message a client may send, in bytes. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** Returns the configuration to deploy in a JSR-356 container. */
  public ServerEndpointConfig serverEndpointConfig() {
    return serverEndpointConfig;
  }

  /**
   * Closes every connected client with 1001 (going away), and from now on each new connection the
   * same way, then waits up to {@code grace} until the container has reported each one closed: the
   * first step of a graceful shutdown, before the container stops (stopping first drops the
   * connections with no close frame, 1006 at the browser). Call it when the application stops (a
   * {@code ServletContextListener}'s {@code contextDestroyed}, Spring's {@code SmartLifecycle});
   * broadcast-tyrus' {@code EmbeddedServer.close()} does it itself.
   *
   * @return whether every client was reported closed within {@code grace}
   */
  public boolean shutdown(Duration grace) {
    return endpoint.shutdown(Checks.requirePositive("grace", grace));
  }

  HandshakePolicy policy() {
    return policy;
  }

  /**
   * Returns whether a page from {@code origin} may connect: no origin (not a browser), any origin
   * when so configured, or one of the allowed ones, compared without case. Public so that an
   * application's own HTTP endpoints beside the socket (a hook, an API) apply the same rule: the
   * embedded server does so for every request, and the Spring example for its API.
   */
  public boolean allowsOrigin(String origin) {
    return policy.originAllowed(origin);
  }

  /** Returns a snapshot of the connection counters (refusals by reason, open connections). */
  public EndpointStats stats() {
    return policy.stats();
  }

  /**
   * The default timer of the endpoint's few delayed tasks (a close once a client is silent): the
   * JDK's shared delayed executor hands each to a daemon thread of its own pool, because such a
   * close may block (up to 2 s on Tomcat) and must hold back neither the timer nor the common pool.
   * Threads idle for a minute end; none to stop.
   */
  static final Scheduler DELAYED =
      new Scheduler() {
        private final ExecutorService closes =
            Executors.newCachedThreadPool(
                task -> {
                  Thread thread = new Thread(task, "broadcast-endpoint-closes");
                  thread.setDaemon(true);
                  return thread;
                });

        @Override
        public Future<?> schedule(Runnable task, Duration delay) {
          return CompletableFuture.runAsync(
              task,
              CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS, closes));
        }
      };

  /** Builds a {@link BroadcastEndpointConfig}. Not thread-safe. */
  public static final class Builder {

    final String path;
    final Broadcaster broadcaster;
    int maxMessageBytes = 64 * 1024;
    final Set<String> origins = new LinkedHashSet<>();
    boolean anyOrigin;
    int maxClients = 10_000;
    double connectionsPerSecond = 100;
    int connectionBurst = 200;
    int maxClientsPerAddress = Integer.MAX_VALUE;
    double connectionsPerSecondPerAddress = Double.POSITIVE_INFINITY;
    int connectionBurstPerAddress = Integer.MAX_VALUE;
    List<String> trustedProxies = List.of();
    String forwardedHeader = ClientAddresses.X_FORWARDED_FOR;
    double inboundPerSecond = 10;
    int inboundBurst = 20;
    Duration idleTimeout = Duration.ZERO;
    Ticker ticker = Ticker.systemTicker();
    // The timer of the closes for what a client sent (SessionClient.closeWhenQuiet).
    Scheduler scheduler = DELAYED;
    String token;
    FrameWriter frameWriter = ContainerWriters.INSTANCE;
    TopicAccess topicAccess; // Null: every client may receive every topic.
    String topicParameter = "topic";

    private Builder(String path, Broadcaster broadcaster) {
      requireNonNull(path, "path : null (expected: a path such as /ws/dashboard)");
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("path : " + path + " (expected: starts with /)");
      }
      this.path = path;
      this.broadcaster = requireNonNull(broadcaster, "broadcaster : null (expected: non-null)");
    }

    /** Returns the path the endpoint will be deployed at. */
    public String path() {
      return path;
    }

    /**
     * Sets the largest text message a client may send, in bytes; larger closes it with 1009.
     * Default 64 KiB (a dashboard client only ever sends {@code ping}).
     */
    public Builder maxMessageBytes(int maxMessageBytes) {
      this.maxMessageBytes = positive("maxMessageBytes", maxMessageBytes);
      return this;
    }

    /**
     * Allows handshakes whose Origin is one of {@code origins} ({@code scheme://host[:port]},
     * compared without case); each call adds to the list. Default: none. broadcast-tyrus' embedded
     * server adds its own origins (those of the names it answers to) to these.
     */
    public Builder allowedOrigins(String... origins) {
      for (String origin : origins) {
        this.origins.add(checkOrigin(origin));
      }
      return this;
    }

    /** Allows handshakes from any Origin: an explicit opt-out of the origin check. */
    public Builder allowAnyOrigin() {
      this.anyOrigin = true;
      return this;
    }

    /** Sets the most connections open at once; past it, new ones are closed with 1013. */
    public Builder maxClients(int maxClients) {
      this.maxClients = positive("maxClients", maxClients);
      return this;
    }

    /**
     * Limits new connections to {@code perSecond} on average, with bursts of {@code burst}; past
     * it, new ones are closed with 1013. Default 100 a second, bursts of 200.
     */
    public Builder connectionRate(double perSecond, int burst) {
      if (!(perSecond > 0)) {
        throw new IllegalArgumentException(
            "connectionRate perSecond : " + perSecond + " (expected: > 0)");
      }
      this.connectionsPerSecond = perSecond;
      this.connectionBurst = positive("connectionRate burst", burst);
      return this;
    }

    /**
     * Sets the most connections one client address may hold open at once; past it, its new ones are
     * closed with 1013 and take nothing of {@link #maxClients}. Default: no limit per address.
     *
     * <p>Off by default because many clients may share one address: an office behind NAT, and every
     * client of a reverse proxy unless {@link #trustedProxies} names it. An IPv6 address counts as
     * its /64.
     */
    public Builder maxClientsPerAddress(int maxClientsPerAddress) {
      this.maxClientsPerAddress = positive("maxClientsPerAddress", maxClientsPerAddress);
      return this;
    }

    /**
     * Limits the new connections from one client address to {@code perSecond} on average, with
     * bursts of {@code burst}; past it, its new ones are closed with 1013 before they reach {@link
     * #connectionRate}, so one address reconnecting in a loop spends its own allowance, never the
     * one all addresses share. Default: no limit per address (see {@link #maxClientsPerAddress}).
     */
    public Builder connectionRatePerAddress(double perSecond, int burst) {
      if (!(perSecond > 0) || perSecond == Double.POSITIVE_INFINITY) {
        throw new IllegalArgumentException(
            "connectionRatePerAddress perSecond : " + perSecond + " (expected: > 0, finite)");
      }
      this.connectionsPerSecondPerAddress = perSecond;
      this.connectionBurstPerAddress = positive("connectionRatePerAddress burst", burst);
      return this;
    }

    /**
     * Names the reverse proxies whose forwarding header is believed, as IP addresses or CIDR
     * networks ({@code 10.0.0.0/8}, {@code fd00::/8}). A connection from one of them counts, for
     * the limits per address, as the nearest address in its {@link #forwardedHeader} chain, read
     * from the right, that is not a trusted proxy. Default: none, and the headers are ignored: any
     * client can write them.
     *
     * <p>Leave it empty when the container already puts the client's address in place of the
     * proxy's (Tomcat's {@code RemoteIpValve}, Spring Boot's {@code
     * server.forward-headers-strategy=native}, Jetty's {@code ForwardedRequestCustomizer}).
     *
     * @throws IllegalArgumentException naming the entry that is neither an address nor a network
     */
    public Builder trustedProxies(Collection<String> proxies) {
      requireNonNull(proxies, "trustedProxies : null (expected: addresses or CIDR networks)");
      new ClientAddresses(proxies, forwardedHeader); // Validates each entry, naming a bad one.
      this.trustedProxies = List.copyOf(proxies);
      return this;
    }

    /**
     * Sets the one header the {@link #trustedProxies} write the client's address in: {@code
     * X-Forwarded-For} (the default; nginx, HAProxy and cloud load balancers append to it) or
     * {@code Forwarded} (RFC 7239, its {@code for=}). Only that header is read, never the other: a
     * proxy that appends to one passes the client's own copy of the other through untouched.
     *
     * @throws IllegalArgumentException for any other name
     */
    public Builder forwardedHeader(String header) {
      if (ClientAddresses.X_FORWARDED_FOR.equalsIgnoreCase(header)) {
        this.forwardedHeader = ClientAddresses.X_FORWARDED_FOR;
      } else if (ClientAddresses.FORWARDED.equalsIgnoreCase(header)) {
        this.forwardedHeader = ClientAddresses.FORWARDED;
      } else {
        throw new IllegalArgumentException(
            "forwardedHeader : " + header + " (expected: X-Forwarded-For or Forwarded)");
      }
      return this;
    }

    /**
     * Limits the messages one client may send to {@code perSecond} on average, with bursts of
     * {@code burst}; past it, the client is closed with 1008. Default 10 a second, bursts of 20.
     */
    public Builder inboundRate(double perSecond, int burst) {
      if (!(perSecond > 0)) {
        throw new IllegalArgumentException(
            "inboundRate perSecond : " + perSecond + " (expected: > 0)");
      }
      this.inboundPerSecond = perSecond;
      this.inboundBurst = positive("inboundRate burst", burst);
      return this;
    }

    /**
     * Sets the container's idle timeout per session (no message either way for this long closes
     * it). Default zero, off: the broadcaster's heartbeat is the liveness rule.
     */
    public Builder idleTimeout(Duration idleTimeout) {
      requireNonNull(idleTimeout, "idleTimeout : null (expected: zero or positive)");
      if (idleTimeout.isNegative()) {
        throw new IllegalArgumentException(
            "idleTimeout : " + idleTimeout + " (expected: zero or positive)");
      }
      this.idleTimeout = idleTimeout;
      return this;
    }

    /**
     * Requires every handshake to carry {@code ?token=<token>} in its URI (browsers cannot set
     * headers on a WebSocket). A missing or wrong token is refused: 401 in the embedded server,
     * close 1008 elsewhere. Compared in constant time. Default: no token.
     *
     * <p>In broadcast-tyrus' embedded server, set the token on the server instead ({@code
     * EmbeddedServer.Builder.requiredToken}): it guards every HTTP path as well and also accepts a
     * Bearer header or the page's cookie, which this check, seeing only the handshake's URI,
     * cannot.
     */
    public Builder requiredToken(String token) {
      this.token = Checks.requireSecret("requiredToken", token);
      return this;
    }

    /**
     * Decides which topics each client may receive, at the handshake and at every later {@code
     * subscribe}; see {@link TopicAccess}. Default: none, every client may receive every topic (and
     * asks for some with {@code ?topic=}, or receives all).
     */
    public Builder topicAccess(TopicAccess topicAccess) {
      this.topicAccess = requireNonNull(topicAccess, "topicAccess : null (expected: non-null)");
      return this;
    }

    /**
     * Sets the query parameter a client names the topics it asks for with, repeatable; default
     * {@code topic} ({@code ?topic=a&topic=b}). The dashboard uses {@code project}.
     */
    public Builder topicParameter(String name) {
      requireNonNull(name, "topicParameter : null (expected: a query parameter name)");
      if (!name.matches("[A-Za-z0-9_.-]{1,64}")
          || List.of("token", "ack", "delta", "since", "epoch").contains(name)) {
        throw new IllegalArgumentException(
            "topicParameter : "
                + name
                + " (expected: 1 to 64 letters, digits, '_', '.' or '-', not one of the"
                + " protocol's: token, ack, delta, since, epoch)");
      }
      this.topicParameter = name;
      return this;
    }

    /**
     * Sets the clock of the rate limits, and of the wait for a client closed for what it sent to
     * fall silent; default {@link Ticker#systemTicker()}.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker : null (expected: non-null)");
      return this;
    }

    /** Sets the timer of the closes for what a client sent; for tests, with a fake ticker. */
    Builder scheduler(Scheduler scheduler) {
      this.scheduler = requireNonNull(scheduler, "scheduler : null (expected: non-null)");
      return this;
    }

    /**
     * Sets the container's direct path for ready-made frames (see {@link FrameWriter}). Default: on
     * Tomcat 11 and Jetty 12, their own non-blocking paths below the Jakarta API, found by
     * reflection (each message encoded once for every session; pings that never block); elsewhere,
     * or where those cannot be reached, the container's {@code sendText} and {@code sendPing}.
     * broadcast-tyrus' embedded server sets its own. {@code session -> null} forces the plain
     * Jakarta path everywhere.
     */
    public Builder frameWriter(FrameWriter frameWriter) {
      this.frameWriter = requireNonNull(frameWriter, "frameWriter : null (expected: non-null)");
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @throws IllegalStateException if no origin is allowed: outside the embedded server, name the
     *     page's origin with {@link #allowedOrigins} or opt out with {@link #allowAnyOrigin}
     */
    public BroadcastEndpointConfig build() {
      if (!anyOrigin && origins.isEmpty()) {
        throw new IllegalStateException(
            "allowedOrigins : none (expected: the origin of the page that connects, for example"
                + " https://dashboard.example.com, or allowAnyOrigin())");
      }
      return new BroadcastEndpointConfig(this, Set.copyOf(origins), anyOrigin);
    }

    private static String checkOrigin(String origin) {
      requireNonNull(origin, "allowedOrigins : null (expected: scheme://host[:port])");
      URI uri;
      try {
        uri = URI.create(origin);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "allowedOrigins : " + origin + " (expected: scheme://host[:port])", e);
      }
      if (uri.getScheme() == null
          || uri.getHost() == null
          || (uri.getPath() != null && !uri.getPath().isEmpty())) {
        throw new IllegalArgumentException(
            "allowedOrigins : " + origin + " (expected: scheme://host[:port], no path)");
      }
      return origin.toLowerCase(Locale.ROOT);
    }

    private static int positive(String name, int value) {
      return (int) Checks.requirePositive(name, value);
    }
  }
}
