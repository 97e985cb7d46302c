package io.github.broadcast.examples.dashboard.core;

import com.sun.management.OperatingSystemMXBean;
import io.github.broadcast.BroadcastStats;
import io.github.broadcast.CloseReason;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import tools.jackson.databind.node.ObjectNode;

/**
 * The part of {@code GET /api/metrics} both dashboards serve (the load test reads it from either):
 * the strategy, the session count, the broadcaster's stats and the process's cost. A server adds
 * its own sections (connections, requests, Redis) to the object.
 */
public final class DashboardMetrics {

  private DashboardMetrics() {}

  /** {@code {"strategy", "sessions", "broadcast": {...}, "process": {...}}}. */
  public static ObjectNode of(String strategy, long sessions, BroadcastStats stats) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("strategy", strategy);
    body.put("sessions", sessions);
    ObjectNode broadcast = body.putObject("broadcast");
    broadcast.put("clients", stats.clients());
    broadcast.put("published", stats.published());
    broadcast.put("stale_updates", stats.staleUpdates());
    broadcast.put("updates_coalesced", stats.updatesCoalesced());
    broadcast.put("frames_encoded", stats.framesEncoded());
    broadcast.put("frames_sent", stats.framesSent());
    broadcast.put("bytes_sent", stats.bytesSent());
    broadcast.put("updates_dropped", stats.updatesDropped());
    broadcast.put("resyncs", stats.resyncs());
    broadcast.put("resumes", stats.resumes());
    broadcast.put("faults", stats.faults());
    broadcast.put("queued_bytes", stats.queuedBytes());
    broadcast.put("latency_p50_ms", stats.latencyP50().toNanos() / 1e6);
    broadcast.put("latency_p99_ms", stats.latencyP99().toNanos() / 1e6);
    broadcast.put("latency_max_ms", stats.latencyMax().toNanos() / 1e6);
    ObjectNode closes = broadcast.putObject("closes");
    for (CloseReason reason : CloseReason.values()) {
      closes.put(reason.name().toLowerCase(Locale.ROOT), stats.closed(reason));
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    ObjectNode process = body.putObject("process");
    process.put("heap_used_bytes", memory.getHeapMemoryUsage().getUsed());
    process.put("heap_committed_bytes", memory.getHeapMemoryUsage().getCommitted());
    process.put("rss_bytes", rssBytes());
    process.put("cpu_time_ns", cpuTimeNanos());
    process.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
    process.put("uptime_ms", ManagementFactory.getRuntimeMXBean().getUptime());
    return body;
  }

  /** Resident set size from /proc (Linux); -1 where there is none. */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** CPU time of the whole process, all threads; -1 where the JVM does not say. */
  static long cpuTimeNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
      return os.getProcessCpuTime(); // com.sun.management's: HotSpot and OpenJ9 both have it.
    }
    return -1;
  }
}
