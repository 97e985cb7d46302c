package io.github.broadcast.spring;

import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import java.time.Duration;
import org.springframework.context.SmartLifecycle;

/**
 * Closes every WebSocket client with 1001 (going away) and waits up to the grace period for the
 * container to report them closed, before the web server stops: it stops in a phase above the web
 * server's graceful shutdown ({@code SmartLifecycle.DEFAULT_PHASE - 1024}) and its stop ({@code -
 * 2048}), and lifecycles stop from the highest phase down. Without it the browsers see 1006.
 */
final class BroadcastShutdown implements SmartLifecycle {

  /** Above the web server's graceful-shutdown phase: this stops first. */
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

  private final BroadcastEndpointConfig endpoint;
  private final Duration grace;
  private volatile boolean running;

  BroadcastShutdown(BroadcastEndpointConfig endpoint, Duration grace) {
    this.endpoint = endpoint;
    this.grace = grace;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    endpoint.shutdown(grace);
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
