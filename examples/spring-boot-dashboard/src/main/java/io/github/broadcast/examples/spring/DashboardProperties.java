package io.github.broadcast.examples.spring;

import io.github.broadcast.examples.dashboard.core.Json;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The dashboard's own settings, {@code dashboard.*}; the broadcaster and the WebSocket endpoint are
 * configured with the starter's {@code broadcast.*}.
 *
 * @param endedTtl how long an ended session stays listed
 * @param idleTtl how long a session with no event stays listed
 * @param taskMax the longest task description kept, in characters
 * @param maxBodyBytes the largest hook body accepted
 * @param allowedHosts the names this server answers to in the {@code Host} header (any port); a
 *     request for another name is refused with 403, which defeats DNS rebinding
 * @param requestBodyTimeout how long a hook's body may take to arrive; a later one gets 408 and is
 *     never applied (the body is read without a thread, so a slow sender pins no worker)
 * @param socketSendBuffer the kernel send buffer of each accepted connection (Tomcat's {@code
 *     socket.txBufSize}), or null for the OS default; the load test sets 64 KiB, as it does for
 *     dashboard-server, so that a stalled client's bytes back up within its runs
 */
@ConfigurationProperties("dashboard")
public record DashboardProperties(
    @DefaultValue("5m") Duration endedTtl,
    @DefaultValue("2h") Duration idleTtl,
    @DefaultValue("2048") int taskMax,
    @DefaultValue("" + Json.MAX_BODY_BYTES) int maxBodyBytes,
    @DefaultValue({"localhost", "127.0.0.1", "[::1]"}) List<String> allowedHosts,
    @DefaultValue("10s") Duration requestBodyTimeout,
    DataSize socketSendBuffer) {

  /** Checks every value, so that a bad setting stops the start with its name. */
  public DashboardProperties {
    requirePositive("dashboard.ended-ttl", endedTtl);
    requirePositive("dashboard.idle-ttl", idleTtl);
    requirePositive("dashboard.request-body-timeout", requestBodyTimeout);
    if (taskMax < 1) {
      throw new IllegalArgumentException(
          "dashboard.task-max : " + taskMax + " (expected: at least 1)");
    }
    if (maxBodyBytes < 1 || maxBodyBytes > Json.MAX_BODY_BYTES) {
      throw new IllegalArgumentException(
          "dashboard.max-body-bytes : "
              + maxBodyBytes
              + " (expected: 1 to "
              + Json.MAX_BODY_BYTES
              + ")");
    }
    if (allowedHosts.isEmpty()) {
      throw new IllegalArgumentException(
          "dashboard.allowed-hosts : none (expected: the names clients use, such as localhost)");
    }
    allowedHosts = List.copyOf(allowedHosts);
    if (socketSendBuffer != null
        && (socketSendBuffer.toBytes() < 1024 || socketSendBuffer.toBytes() > Integer.MAX_VALUE)) {
      throw new IllegalArgumentException(
          "dashboard.socket-send-buffer : " + socketSendBuffer + " (expected: 1KB to 2GB)");
    }
  }

  private static void requirePositive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " : " + value + " (expected: > 0)");
    }
  }
}
