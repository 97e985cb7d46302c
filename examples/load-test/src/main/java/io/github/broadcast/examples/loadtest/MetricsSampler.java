package io.github.broadcast.examples.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Reads every node's {@code /api/metrics} every 250 ms during a run and keeps the highest heap use
 * of any node and the highest number of bytes queued for clients on all nodes together: what a
 * stalled client costs the servers shows at its peak, not after the drain.
 */
final class MetricsSampler {

  private final HttpClient http;
  private final List<URI> bases;
  private final Thread thread;
  private volatile boolean running = true;
  volatile long maxHeapUsed;
  volatile long maxQueuedBytes;

  MetricsSampler(HttpClient http, List<URI> bases) {
    this.http = http;
    this.bases = List.copyOf(bases);
    this.thread = new Thread(this::sample, "load-test-metrics");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void stop() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join();
  }

  private void sample() {
    while (running) {
      try {
        long queued = 0;
        for (JsonNode metrics : LoadTest.metrics(http, bases)) {
          maxHeapUsed =
              Math.max(maxHeapUsed, metrics.path("process").path("heap_used_bytes").asLong());
          queued += metrics.path("broadcast").path("queued_bytes").asLong();
        }
        maxQueuedBytes = Math.max(maxQueuedBytes, queued);
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
