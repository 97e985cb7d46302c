package io.github.broadcast.testing.jakarta;

import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.jakarta.EndpointStats;
import java.net.URI;

/**
 * A Jakarta WebSocket container the {@link EndpointContract} runs on: it deploys one endpoint on a
 * free loopback port and stops gracefully. Embedded Tyrus, Tomcat and Jetty each have one.
 */
public interface Container extends AutoCloseable {

  /**
   * Starts the container with {@code endpoint} deployed.
   *
   * @return the endpoint's {@code ws://127.0.0.1:port/path} address
   */
  URI start(BroadcastEndpointConfig.Builder endpoint) throws Exception;

  /** The deployed endpoint's connection counters. */
  EndpointStats stats();

  /**
   * Stops the container the way an application should: clients are told 1001 (going away) before
   * the sockets close. Then every thread the container started stops.
   */
  @Override
  void close() throws Exception;
}
