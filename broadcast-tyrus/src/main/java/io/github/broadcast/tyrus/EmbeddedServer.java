package io.github.broadcast.tyrus;

import static java.util.Objects.requireNonNull;

import io.github.broadcast.internal.Checks;
import io.github.broadcast.internal.ClientFiles;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.jakarta.EndpointStats;
import jakarta.websocket.DeploymentException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.reflect.Constructor;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.StaticHttpHandler;
import org.glassfish.grizzly.nio.ChannelConfigurator;
import org.glassfish.grizzly.nio.NIOTransport;
import org.glassfish.grizzly.ssl.SSLEngineConfigurator;
import org.glassfish.tyrus.container.grizzly.server.WebSocketAddOn;
import org.glassfish.tyrus.spi.ServerContainer;

/**
 * Tyrus on Grizzly, embedded: one port serving the broadcast WebSocket endpoint and any plain HTTP
 * handlers beside it. Binds 127.0.0.1 by default; port 0 picks a free port, which {@link #port()}
 * reports. {@link #close()} shuts down gracefully and stops every thread and socket it started.
 *
 * <pre>{@code
 * try (EmbeddedServer server = EmbeddedServer.newBuilder()
 *     .endpoint(BroadcastEndpointConfig.newBuilder("/ws/dashboard", broadcaster))
 *     .httpHandler("/api/sessions", sessionsHandler)
 *     .start()) {
 *   System.out.println("listening on " + server.uri("/"));
 * }
 * }</pre>
 *
 * <h2>What it refuses, before any handler runs</h2>
 *
 * Every HTTP request and WebSocket handshake is checked on its head, and refused with a JSON error
 * and a closed connection:
 *
 * <ul>
 *   <li>a {@code Host} the server does not answer to (403): its bind address; {@code localhost},
 *       {@code 127.0.0.1} and {@code [::1]} when bound to loopback or to every address; the
 *       machine's names and addresses when bound to every address; the {@link Builder#publicUrl
 *       public URLs} given. A page whose name an attacker points at this machine (DNS rebinding)
 *       sends its own name, and is refused;
 *   <li>an {@code Origin} that is not one of the origins of those names, or of the endpoint's
 *       {@code allowedOrigins} (403). A request without {@code Origin} (curl, a script) passes;
 *   <li>with {@link Builder#requiredToken}, a request without the token (401);
 *   <li>a head not complete within {@link Builder#requestHeadTimeout} (408);
 *   <li>more unfinished requests from one address than {@link
 *       Builder#maxUnfinishedRequestsPerAddress} (the connection closed, or 429);
 *   <li>a body over {@link Builder#maxRequestBodyBytes} (413), or not complete within {@link
 *       Builder#requestBodyTimeout} (408, and never handled). Bodies are gathered without a thread,
 *       so slow senders pin no worker, and a handler's blocking read never waits on the network.
 * </ul>
 *
 * No CORS header is ever sent. {@link #httpStats()} counts the refusals.
 *
 * <p>Probes: {@code GET /healthz} (liveness) and {@code GET /readyz} (readiness, with the {@link
 * Builder#readinessCheck checks} given), behind the same front door.
 *
 * <p>Each message is framed once for every client: the endpoint writes the frame's bytes to each
 * connection through Tyrus' own connection writer, instead of having Tyrus encode the text again
 * per client (see {@link io.github.broadcast.jakarta.FrameWriter}).
 *
 * <p>Grizzly runs endpoint and handler code on its worker threads (the worker-thread I/O strategy,
 * as Tyrus' own container sets), never on its selector threads.
 *
 * <p>Thread-safe once started.
 */
public final class EmbeddedServer implements AutoCloseable {

  private static final System.Logger logger = System.getLogger(EmbeddedServer.class.getName());

  /** Tyrus' default incoming buffer: frames up to 4 MiB are read, then judged by size. */
  private static final int INCOMING_BUFFER_BYTES = 4 * 1024 * 1024 + 11;

  private final HttpServer http;
  private final EmbeddedContainer container;
  private final BroadcastEndpointConfig endpoint;
  private final FrontDoor frontDoor;
  private final RequestGuard guard;
  private final ScheduledExecutorService timer;
  private final String host;
  private final int port;
  private final boolean tls;
  private final Duration shutdownGrace;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedServer(Builder builder, Started started) {
    this.http = started.http;
    this.container = started.container;
    this.endpoint = started.endpoint;
    this.frontDoor = started.frontDoor;
    this.guard = started.guard;
    this.timer = started.timer;
    this.host = builder.host;
    this.port = started.port;
    this.tls = builder.sslContext != null;
    this.shutdownGrace = builder.shutdownGrace;
  }

  /** Returns a builder: 127.0.0.1, port 0. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Returns the name of the cookie that carries a page's token ({@link Builder#requiredToken}), for
   * an application that reads which token a request carried.
   */
  public String tokenCookieName() {
    return tokenCookieName(port());
  }

  static String tokenCookieName(int port) {
    return "broadcast-token-" + port;
  }

  /** Returns the port the server listens on. */
  public int port() {
    return port;
  }

  /**
   * Returns the {@code http://} (or, with TLS, {@code https://}) address of {@code path} on this
   * server; bound to every address, the loopback one.
   */
  public URI uri(String path) {
    return URI.create((tls ? "https://" : "http://") + hostForUri() + ":" + port + path);
  }

  /** Returns the {@code ws://} (or {@code wss://}) address of the broadcast endpoint. */
  public URI webSocketUri() {
    return URI.create((tls ? "wss://" : "ws://") + hostForUri() + ":" + port + endpoint.path());
  }

  /** Returns the endpoint's connection counters. */
  public EndpointStats endpointStats() {
    return endpoint.stats();
  }

  /** The places held now under the cap on unfinished requests per address; for tests. */
  int unfinishedRequests() {
    return frontDoor.unfinishedHeld();
  }

  /** Returns the counters of requests refused before any handler saw them. */
  public HttpStats httpStats() {
    return frontDoor.stats();
  }

  private String hostForUri() {
    try {
      InetAddress bind = InetAddress.getByName(host);
      if (bind.isAnyLocalAddress()) {
        return bind instanceof Inet6Address ? "[::1]" : "127.0.0.1";
      }
    } catch (UnknownHostException e) {
      // It was resolved at start; keep the name as given.
    }
    return ServerNames.uriHost(host);
  }

  /**
   * Shuts down gracefully, within the {@link Builder#shutdownGrace grace period}: new requests and
   * handshakes are refused (503); every WebSocket client is closed with 1001 (going away) and its
   * close frame is given time to leave; requests already in handlers finish; then the listener
   * stops, whatever is left is dropped, and Grizzly's and Tyrus' threads stop. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + shutdownGrace.toNanos();
    try {
      guard.shutDown();
      endpoint.shutdown(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (!frontDoor.upgraded().awaitClosed(deadline)) {
        logger.log(
            Level.INFO,
            () ->
                "shutdown: WebSocket connections still open after the grace period: "
                    + frontDoor.upgraded().size());
      }
      long left = Math.max(0, deadline - System.nanoTime());
      try {
        http.shutdown(left, TimeUnit.NANOSECONDS).get(left + 1_000_000_000L, TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        logger.log(Level.INFO, () -> "shutdown: requests cut off: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } finally {
      try {
        http.shutdownNow();
      } finally {
        container.stop();
        timer.shutdownNow();
      }
    }
  }

  /** What {@link Builder#start()} made. */
  private record Started(
      HttpServer http,
      EmbeddedContainer container,
      BroadcastEndpointConfig endpoint,
      FrontDoor frontDoor,
      RequestGuard guard,
      ScheduledExecutorService timer,
      int port) {}

  /**
   * Where the server serves the browser client, as an ES module: {@code import {BroadcastClient}
   * from '/broadcast/client.js'} (its types at {@code /broadcast/client.d.ts}). Spring Boot and
   * Servlet containers serve it at the same path from the broadcast-client jar. The paths under
   * {@code /broadcast/} are the server's: static files there are not served.
   */
  public static final String CLIENT_PATH = ClientFiles.MODULE;

  /** Builds and starts an {@link EmbeddedServer}. Not thread-safe. */
  public static final class Builder {

    private String host = "127.0.0.1";
    private int port;
    private int socketSendBuffer;
    private BroadcastEndpointConfig.Builder endpoint;
    private final Map<String, HttpHandler> handlers = new LinkedHashMap<>();
    private final Map<String, BooleanSupplier> readinessChecks = new LinkedHashMap<>();
    private final List<URI> publicUrls = new ArrayList<>();
    private List<String> tokens = List.of();
    private int maxRequestBodyBytes = 1024 * 1024;
    private Duration requestBodyTimeout = Duration.ofSeconds(10);
    private Duration requestHeadTimeout = Duration.ofSeconds(10);
    private int maxUnfinishedRequestsPerAddress = 1024;
    private Duration httpIdleTimeout = Duration.ofSeconds(60);
    private Path staticFiles; // Null: none.
    private Duration shutdownGrace = Duration.ofSeconds(5);
    private SSLContext sslContext;
    private boolean permessageDeflate = true;

    private Builder() {}

    /** Sets the address to bind; default 127.0.0.1 (loopback only). */
    public Builder host(String host) {
      this.host = requireNonNull(host, "host : null (expected: an address such as 127.0.0.1)");
      return this;
    }

    /** Sets the port; default 0, a free port chosen at start. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port : " + port + " (expected: 0 to 65535)");
      }
      this.port = port;
      return this;
    }

    /**
     * Adds a public address of this server, such as {@code https://dash.example.com} for a proxy in
     * front of it: requests with that {@code Host} are served, and pages with that origin may use
     * the API and the WebSocket. May be called more than once.
     *
     * @throws IllegalArgumentException unless {@code http[s]://name[:port]}, with no path or query
     */
    public Builder publicUrl(String url) {
      publicUrls.add(ServerNames.checkPublicUrl(url));
      return this;
    }

    /**
     * Requires {@code token} on every request: HTTP handlers and the WebSocket alike, as {@code
     * Authorization: Bearer <token>}, as the cookie this server sets, or, on a WebSocket handshake,
     * as {@code ?token=}. A page opened once as {@code /?token=<token>} is redirected to its bare
     * address with the token in an {@code HttpOnly; SameSite=Strict} cookie (plus {@code Secure}
     * over TLS), so the token does not stay in the address bar, history, logs or Referer. Compared
     * in constant time. Default: no token.
     */
    public Builder requiredToken(String token) {
      this.tokens = List.of(Checks.requireSecret("requiredToken", token));
      return this;
    }

    /**
     * As {@link #requiredToken}, accepting any one of {@code tokens} (each compared in constant
     * time): for an application that gives different clients different tokens and reads which one a
     * request carried ({@link EmbeddedServer#tokenCookieName()} names the cookie), as the dashboard
     * does to scope each to some projects. Replaces any token set before; empty: none.
     */
    public Builder requiredTokens(Collection<String> tokens) {
      List<String> checked = new ArrayList<>();
      for (String token : Checks.requireNonNull("requiredTokens", tokens)) {
        checked.add(Checks.requireSecret("requiredTokens", token));
      }
      this.tokens = List.copyOf(checked);
      return this;
    }

    /** Sets the largest request body accepted, in bytes; larger gets 413. Default 1 MiB. */
    public Builder maxRequestBodyBytes(int bytes) {
      this.maxRequestBodyBytes = (int) Checks.requirePositive("maxRequestBodyBytes", bytes);
      return this;
    }

    /**
     * Sets how long a request's whole body may take to arrive, from the end of its head; a body
     * still incomplete then gets 408 and its request never reaches a handler. Default 10 s.
     */
    public Builder requestBodyTimeout(Duration timeout) {
      this.requestBodyTimeout = Checks.requirePositive("requestBodyTimeout", timeout);
      return this;
    }

    /**
     * Sets how long a request's head may take to arrive, from its first byte; a head still
     * incomplete then gets 408 and the connection ends (a client sending a head a byte at a time
     * holds a connection that long at most, and never a thread). Default 10 s.
     */
    public Builder requestHeadTimeout(Duration timeout) {
      this.requestHeadTimeout = Checks.requirePositive("requestHeadTimeout", timeout);
      return this;
    }

    /**
     * Sets how long an HTTP connection may sit idle between requests before it is closed (Grizzly's
     * own keep-alive timeout is off, since an upgraded WebSocket connection lives long; this one
     * leaves upgraded connections alone, and a head or body under way has its own deadline).
     * Default 60 s, as proxies and servers commonly keep idle connections; a browser opens a new
     * one when it needs it. A handler that takes longer than this to answer loses its connection.
     */
    public Builder httpIdleTimeout(Duration timeout) {
      this.httpIdleTimeout = Checks.requirePositive("httpIdleTimeout", timeout);
      return this;
    }

    /**
     * Sets how many unfinished requests one client address may have at once: connections whose
     * head, or whose body, is still arriving (a connection that has sent nothing yet counts too).
     * Past it, a new connection from that address is closed and a new request on a kept-alive one
     * gets 429. With the head and body deadlines, this bounds what one address sending half
     * requests can hold: sockets and buffers, never threads. The address is the TCP peer's (an IPv6
     * peer counts as its /64), since no header has been read yet. Default 1,024: far above what a
     * browser (six connections) or a hook script needs, and below what exhausts a process's file
     * descriptors.
     */
    public Builder maxUnfinishedRequestsPerAddress(int max) {
      this.maxUnfinishedRequestsPerAddress =
          (int) Checks.requirePositive("maxUnfinishedRequestsPerAddress", max);
      return this;
    }

    /**
     * Offers permessage-deflate (RFC 7692) to WebSocket clients that ask for it (every browser
     * does), without context takeover either way: each message is compressed once, and the same
     * bytes go to every client that negotiated it, instead of once per client. Default on: since
     * the compression is made once per frame, not per client, it costs the server nothing the load
     * test can measure (issue 24, 500 clients of 50 sessions at 10 events a second: 4.25 and 5.39
     * µs of server CPU per delivered update with it, 4.53 and 5.32 without) and cuts the bytes a
     * page receives by 2.6 to 12 times (107 against 282 wire bytes per update with patches on (10,
     * 3); 17.4 against 213 at (50, 10, 500), whose frames hold some fifty patches each). Off only
     * to compare, or for a client that offers deflate and cannot inflate.
     */
    public Builder permessageDeflate(boolean enabled) {
      this.permessageDeflate = enabled;
      return this;
    }

    /**
     * Sets how long {@link EmbeddedServer#close()} waits for WebSocket close frames to leave and
     * for requests in handlers to finish, before it drops what is left. Default 5 s.
     */
    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = Checks.requirePositive("shutdownGrace", grace);
      return this;
    }

    /**
     * Serves TLS (https and wss) with a PEM certificate chain (the server's certificate first) and
     * its unencrypted PKCS#8 private key, as certbot or mkcert write them. Read and checked now.
     *
     * @throws IOException if a file cannot be read, is not PEM, or the key does not match
     */
    public Builder tls(Path certificateChainPem, Path privateKeyPem) throws IOException {
      requireNonNull(certificateChainPem, "tls certificateChainPem : null (expected: a PEM file)");
      requireNonNull(privateKeyPem, "tls privateKeyPem : null (expected: a PEM file)");
      this.sslContext = Pem.serverContext(certificateChainPem, privateKeyPem);
      return this;
    }

    /** Serves TLS (https and wss) with a ready server {@link SSLContext}. */
    public Builder tls(SSLContext serverContext) {
      this.sslContext = requireNonNull(serverContext, "tls : null (expected: an SSLContext)");
      return this;
    }

    /**
     * Sets SO_SNDBUF on every accepted connection, in bytes; default 0, the operating system's
     * default (on Linux, autotuned up to {@code net.ipv4.tcp_wmem}'s maximum, 4 MiB here).
     *
     * <p>The kernel's send buffer is where a stalled client's bytes pile up first, before the
     * broadcaster's own per-client limit sees anything: a client that stops reading can absorb
     * megabytes, and a sequential broadcaster notices it only when that buffer is full. A small
     * buffer (64 KiB) makes a stall show sooner and bounds kernel memory per connection, at some
     * cost in throughput to clients far away (a buffer below bandwidth x round trip slows them).
     */
    public Builder socketSendBuffer(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException(
            "socketSendBuffer : " + bytes + " (expected: 0 for the OS default, or bytes > 0)");
      }
      this.socketSendBuffer = bytes;
      return this;
    }

    /** Sets the broadcast WebSocket endpoint (required). */
    public Builder endpoint(BroadcastEndpointConfig.Builder endpoint) {
      this.endpoint = requireNonNull(endpoint, "endpoint : null (expected: non-null)");
      return this;
    }

    /**
     * Serves the files under {@code directory} at {@code /} (a page beside its socket: {@code
     * index.html}, scripts, styles), behind the same front door as every request; nothing outside
     * the directory. A path given to {@link #httpHandler} takes precedence, {@code /} included.
     * Default: none (404 for any path without a handler).
     *
     * @throws IllegalArgumentException if {@code directory} is not an existing directory
     */
    public Builder staticFiles(Path directory) {
      requireNonNull(directory, "staticFiles : null (expected: a directory of files to serve)");
      if (!Files.isDirectory(directory)) {
        throw new IllegalArgumentException(
            "staticFiles : " + directory + " (expected: an existing directory)");
      }
      this.staticFiles = directory.toAbsolutePath().normalize();
      return this;
    }

    /**
     * Serves {@code path} with a Grizzly {@link HttpHandler}: an exact path ({@code /api/hooks}),
     * or a prefix ending in {@code /*}. The handler runs on a worker thread, once the request's
     * whole body has arrived.
     */
    public Builder httpHandler(String path, HttpHandler handler) {
      requireNonNull(path, "httpHandler path : null (expected: /something)");
      requireNonNull(handler, "httpHandler handler : null (expected: non-null)");
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException(
            "httpHandler path : " + path + " (expected: starts with /)");
      }
      if (handlers.putIfAbsent(path, handler) != null) {
        throw new IllegalArgumentException("httpHandler path : " + path + " (already mapped)");
      }
      return this;
    }

    /**
     * Adds a readiness check, which {@code GET /readyz} asks on every probe: the server is ready
     * (200) when every check returns true, and answers 503 naming the failing ones otherwise. For a
     * node on a shared store, {@code readinessCheck("store", store::acceptsWrites)}: a node that
     * cannot write is not ready. {@code GET /healthz} (liveness) answers 200 while the server
     * serves. Both are behind the front door (Host, Origin, token) like every other request, and
     * both answer 503 while the server shuts down. A path given to {@link #httpHandler} takes
     * precedence over either.
     */
    public Builder readinessCheck(String name, BooleanSupplier check) {
      requireNonNull(name, "readinessCheck name : null (expected: a name such as store)");
      requireNonNull(check, "readinessCheck check : null (expected: non-null)");
      if (readinessChecks.putIfAbsent(name, check) != null) {
        throw new IllegalArgumentException("readinessCheck name : " + name + " (already added)");
      }
      return this;
    }

    /**
     * Binds, starts Grizzly and deploys the endpoint.
     *
     * @throws IOException if the address cannot be bound
     * @throws IllegalStateException if no endpoint was set
     */
    public EmbeddedServer start() throws IOException {
      if (endpoint == null) {
        throw new IllegalStateException("endpoint : not set (expected: endpoint(...))");
      }
      HttpServer http = new HttpServer();
      NetworkListener listener = new NetworkListener("broadcast", host, port);
      // Handler code must not run on selector threads; frames on upgraded connections may.
      listener.getTransport().setIOStrategy(new UpgradedReadsInPlace());
      if (socketSendBuffer > 0) {
        listener
            .getTransport()
            .setChannelConfigurator(
                sendBuffer(listener.getTransport().getChannelConfigurator(), socketSendBuffer));
      }
      if (sslContext != null) {
        listener.setSecure(true);
        listener.setSSLEngineConfig(new SSLEngineConfigurator(sslContext, false, false, false));
      }
      // Upgraded connections live long; Tyrus' own container turns the keep-alive timeout off too.
      listener.getKeepAlive().setIdleTimeoutInSeconds(-1);
      http.addListener(listener);
      Map<String, HttpHandler> served = new LinkedHashMap<>(handlers);
      served.putIfAbsent(HealthHandler.LIVE, HealthHandler.liveness());
      served.putIfAbsent(HealthHandler.READY, HealthHandler.readiness(readinessChecks));
      served.putIfAbsent(endpoint.path(), new UpgradeRequiredHandler()); // A plain GET: 426.
      // The browser client (broadcast-client), for pages that import it from this server.
      served.putIfAbsent(
          ClientModuleHandler.PATH,
          new ClientModuleHandler(ClientFiles.load(EmbeddedServer.class.getClassLoader())));
      if (staticFiles != null) {
        served.putIfAbsent("/", new StaticHttpHandler(staticFiles.toString()));
      }
      served.forEach(
          (path, handler) -> http.getServerConfiguration().addHttpHandler(handler, path));

      ScheduledThreadPoolExecutor timer =
          new ScheduledThreadPoolExecutor(
              1,
              task -> {
                Thread thread = new Thread(task, "broadcast-http-deadlines");
                thread.setDaemon(true);
                return thread;
              });
      timer.setRemoveOnCancelPolicy(true);
      EmbeddedContainer container = new EmbeddedContainer(INCOMING_BUFFER_BYTES);
      FrontDoor frontDoor =
          new FrontDoor(
              requestHeadTimeout.toNanos(),
              httpIdleTimeout.toNanos(),
              maxRequestBodyBytes,
              requestBodyTimeout.toNanos(),
              maxUnfinishedRequestsPerAddress,
              timer);
      listener.registerAddOn(frontDoor.addOn()); // First: it must run before Tyrus' filter.
      listener.registerAddOn(webSocketAddOn(container));
      boolean started = false;
      try {
        http.start();
        int boundPort = listener.getPort();
        boolean secure = sslContext != null;
        ServerNames names = ServerNames.of(host, boundPort, secure, publicUrls);
        TyrusFrameWriter frameWriter = new TyrusFrameWriter(permessageDeflate);
        BroadcastEndpointConfig config =
            endpoint
                .allowedOrigins(names.origins().toArray(String[]::new))
                .frameWriter(frameWriter)
                .build();
        frameWriter.maxInflatedBytes(config.maxMessageBytes());
        RequestGuard guard =
            new RequestGuard(
                names, config::allowsOrigin, tokens, tokenCookieName(boundPort), secure);
        frontDoor.start(guard);
        container.addEndpoint(config.serverEndpointConfig());
        container.start("", boundPort);
        started = true;
        return new EmbeddedServer(
            this, new Started(http, container, config, frontDoor, guard, timer, boundPort));
      } catch (DeploymentException e) {
        throw new IOException("could not deploy the endpoint", e);
      } finally {
        if (!started) {
          http.shutdownNow();
          container.stop();
          timer.shutdownNow();
        }
      }
    }

    /** Grizzly's configurator, then SO_SNDBUF on accepted connections (Grizzly sets none). */
    private static ChannelConfigurator sendBuffer(ChannelConfigurator base, int bytes) {
      return new ChannelConfigurator() {
        @Override
        public void preConfigure(NIOTransport transport, SelectableChannel channel)
            throws IOException {
          base.preConfigure(transport, channel);
          if (channel instanceof SocketChannel) {
            ((SocketChannel) channel).setOption(StandardSocketOptions.SO_SNDBUF, bytes);
          }
        }

        @Override
        public void postConfigure(NIOTransport transport, SelectableChannel channel)
            throws IOException {
          base.postConfigure(transport, channel);
        }
      };
    }

    /**
     * Tyrus 2.2's WebSocketAddOn is public but its constructor is package-private (TYRUS-317 meant
     * it for exactly this use); it inserts Tyrus' upgrade filter before Grizzly's HTTP filter. On
     * the class path reflection reaches it; on the module path the Tyrus package must be opened to
     * this one.
     */
    private static AddOn webSocketAddOn(ServerContainer container) {
      try {
        Constructor<WebSocketAddOn> constructor =
            WebSocketAddOn.class.getDeclaredConstructor(ServerContainer.class, String.class);
        constructor.setAccessible(true);
        return constructor.newInstance(container, "");
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new IllegalStateException(
            "cannot create Tyrus' WebSocketAddOn; on the module path, add --add-opens"
                + " org.glassfish.tyrus.container.grizzly.server/"
                + "org.glassfish.tyrus.container.grizzly.server=ALL-UNNAMED",
            e);
      }
    }
  }
}
