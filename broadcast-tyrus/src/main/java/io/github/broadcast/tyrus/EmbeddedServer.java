package io.github.broadcast.tyrus;

import static java.util.Objects.requireNonNull;

import jakarta.websocket.DeploymentException;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.glassfish.grizzly.http.server.AddOn;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.nio.ChannelConfigurator;
import org.glassfish.grizzly.nio.NIOTransport;
import org.glassfish.grizzly.strategies.WorkerThreadIOStrategy;
import org.glassfish.tyrus.container.grizzly.server.WebSocketAddOn;
import org.glassfish.tyrus.spi.ServerContainer;

/**
 * Tyrus on Grizzly, embedded: one port serving the broadcast WebSocket endpoint and any plain HTTP
 * handlers beside it. Binds 127.0.0.1 by default; port 0 picks a free port, which {@link #port()}
 * reports. {@link #close()} stops every thread and socket it started.
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
 * <p>Grizzly runs endpoint and handler code on its worker threads (the worker-thread I/O strategy,
 * as Tyrus' own container sets), never on its selector threads. An endpoint built without allowed
 * origins accepts only this server's own origins (same-origin).
 *
 * <p>Thread-safe once started.
 */
public final class EmbeddedServer implements AutoCloseable {

  /** Tyrus' default incoming buffer: frames up to 4 MiB are read, then judged by size. */
  private static final int INCOMING_BUFFER_BYTES = 4 * 1024 * 1024 + 11;

  private final HttpServer http;
  private final EmbeddedContainer container;
  private final BroadcastEndpointConfig endpoint;
  private final String host;
  private final int port;

  private EmbeddedServer(
      HttpServer http,
      EmbeddedContainer container,
      BroadcastEndpointConfig endpoint,
      String host,
      int port) {
    this.http = http;
    this.container = container;
    this.endpoint = endpoint;
    this.host = host;
    this.port = port;
  }

  /** Returns a builder: 127.0.0.1, port 0. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns the port the server listens on. */
  public int port() {
    return port;
  }

  /** Returns the {@code http://} address of {@code path} on this server. */
  public URI uri(String path) {
    return URI.create("http://" + hostForUri() + ":" + port + path);
  }

  /** Returns the {@code ws://} address of the broadcast endpoint. */
  public URI webSocketUri() {
    return URI.create("ws://" + hostForUri() + ":" + port + endpoint.path());
  }

  /** Returns the endpoint's connection counters. */
  public EndpointStats endpointStats() {
    return endpoint.stats();
  }

  private String hostForUri() {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  /** Stops accepting, closes every connection, and stops Grizzly's and Tyrus' threads. */
  @Override
  public void close() {
    try {
      http.shutdownNow();
    } finally {
      container.stop();
    }
  }

  /** Builds and starts an {@link EmbeddedServer}. Not thread-safe. */
  public static final class Builder {

    private String host = "127.0.0.1";
    private int port;
    private int socketSendBuffer;
    private BroadcastEndpointConfig.Builder endpoint;
    private final Map<String, HttpHandler> handlers = new LinkedHashMap<>();

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
     * Serves {@code path} with a Grizzly {@link HttpHandler}: an exact path ({@code /api/hooks}),
     * or a prefix ending in {@code /*}. The handler runs on a worker thread.
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
      // Endpoint and handler code must not run on selector threads.
      listener.getTransport().setIOStrategy(WorkerThreadIOStrategy.getInstance());
      if (socketSendBuffer > 0) {
        listener
            .getTransport()
            .setChannelConfigurator(
                sendBuffer(listener.getTransport().getChannelConfigurator(), socketSendBuffer));
      }
      // Upgraded connections live long; Tyrus' own container turns the keep-alive timeout off too.
      listener.getKeepAlive().setIdleTimeoutInSeconds(-1);
      http.addListener(listener);
      handlers.forEach(
          (path, handler) -> http.getServerConfiguration().addHttpHandler(handler, path));

      EmbeddedContainer container = new EmbeddedContainer(INCOMING_BUFFER_BYTES);
      HandshakeFilter origins = new HandshakeFilter(endpoint.path);
      listener.registerAddOn(origins.addOn()); // First: it must run before Tyrus' filter.
      listener.registerAddOn(webSocketAddOn(container));
      boolean started = false;
      try {
        http.start();
        int boundPort = listener.getPort();
        BroadcastEndpointConfig config = endpoint.build(sameOrigins(host, boundPort));
        origins.policy(config.policy());
        container.addEndpoint(config.serverEndpointConfig());
        container.start("", boundPort);
        started = true;
        return new EmbeddedServer(http, container, config, host, boundPort);
      } catch (DeploymentException e) {
        throw new IOException("could not deploy the endpoint at " + endpoint.path, e);
      } finally {
        if (!started) {
          http.shutdownNow();
          container.stop();
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

    /** The origins a page served by this server has: same-origin for the endpoint. */
    private static List<String> sameOrigins(String host, int port) throws IOException {
      List<String> origins = new ArrayList<>();
      String uriHost = host.contains(":") ? "[" + host + "]" : host;
      origins.add("http://" + uriHost + ":" + port);
      origins.add("https://" + uriHost + ":" + port);
      if (InetAddress.getByName(host).isLoopbackAddress()) {
        origins.add("http://localhost:" + port);
        origins.add("http://127.0.0.1:" + port);
      }
      return origins;
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
