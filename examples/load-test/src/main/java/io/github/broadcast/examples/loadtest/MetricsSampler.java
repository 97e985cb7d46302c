package io.github.broadcast.examples.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;

/**
 * Reads the server's {@code /api/metrics} every 250 ms during a run and keeps the highest heap
 * use and the highest number of bytes queued for clients: what a stalled client costs the server
 * shows at its peak, not after the drain.
 */
final class MetricsSampler {

  private final HttpClient http;
  private final URI base;
  private final Thread thread;
  private volatile boolean running = true;
  volatile long maxHeapUsed;
  volatile long maxQueuedBytes;

  MetricsSampler(HttpClient http, URI base) {
    this.http = http;
    this.base = base;
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
        JsonNode metrics = LoadTest.metrics(http, base);
        maxHeapUsed = Math.max(maxHeapUsed, metrics.path("process").path("heap_used_bytes").asLong());
        maxQueuedBytes = Math.max(maxQueuedBytes,
            metrics.path("broadcast").path("queued_bytes").asLong());
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
