package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.OutboxLimits;
import io.github.broadcast.OverflowPolicy;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.RawWebSocket;
import io.github.broadcast.testing.RecordedCloses;
import io.github.broadcast.testing.WsTestClient;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A peer that completes the handshake and never reads its socket: the healthy clients keep
 * receiving, and what the server holds for the stalled one stays bounded.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class StalledClientIT {

  private static final ObjectMapper mapper = new ObjectMapper();
  private static final String TASK = "x".repeat(8 * 1024); // 8 KiB updates fill buffers fast.

  private final HttpClient http = HttpClient.newHttpClient();
  private final ExecutorService publisher = Executors.newSingleThreadExecutor();
  private final RecordedCloses closes = new RecordedCloses();
  private Broadcaster broadcaster;
  private EmbeddedServer server;
  private RawWebSocket stalled;

  private void start(Broadcasters.Builder builder) throws Exception {
    start(builder, 0);
  }

  private void start(Broadcasters.Builder builder, int socketSendBuffer) throws Exception {
    broadcaster = builder.listener(closes).build();
    server =
        EmbeddedServer.newBuilder()
            .endpoint(BroadcastEndpointConfig.newBuilder("/ws/dashboard", broadcaster))
            .socketSendBuffer(socketSendBuffer)
            .start();
  }

  @AfterEach
  void tearDown() throws Exception {
    publisher.shutdownNow();
    if (stalled != null) {
      stalled.close();
    }
    if (server != null) {
      server.close();
    }
    if (broadcaster != null) {
      broadcaster.close();
    }
  }

  private static SessionUpdate update(long version) {
    ObjectNode state = mapper.createObjectNode();
    state.put("status", "working");
    state.put("task", TASK);
    return SessionUpdate.of("s" + (version % 4), version, state);
  }

  @Test
  void backpressure_stalledPeer_healthyKeepReceiving_stalledClosedWithinGrace_queueBounded()
      throws Exception {
    OutboxLimits limits = new OutboxLimits(64 * 1024, 256, Duration.ofSeconds(2));
    start(
        Broadcasters.Preset.BACKPRESSURE
            .newBuilder()
            .outboxLimits(limits)
            .overflowPolicy(OverflowPolicy.CONFLATE)
            .sendTimeout(Duration.ofSeconds(2)));
    stalled = RawWebSocket.handshake(server.webSocketUri());
    assertThat(stalled.response()).startsWith("HTTP/1.1 101");
    WsTestClient healthy = WsTestClient.connect(http, server.webSocketUri(), "healthy", null);
    await().until(() -> broadcaster.stats().clients() == 2);

    // Publish until the stalled peer is closed, checking the bound after every publish.
    AtomicLong most = new AtomicLong();
    long version = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (closes.isEmpty() && System.nanoTime() < deadline) {
      broadcaster.publish(update(++version));
      long queued = broadcaster.stats().queuedBytes();
      most.accumulateAndGet(queued, Math::max);
      // The healthy client may hold a frame or two of its own while it reads.
      assertThat(queued).isLessThanOrEqualTo(limits.maxBytes() + 2 * 9 * 1024);
      long published = version;
      if (version % 50 == 0) {
        // The healthy client keeps up while the other is stalled.
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    healthy.recorder().view().getOrDefault("s" + (published % 4), 0L) == published);
      }
    }
    assertThat(closes.names()).as("the stalled client was closed").hasSize(1);
    assertThat(closes.names().get(0)).isIn("TOO_SLOW", "SEND_TIMEOUT");
    assertThat(most.get()).as("the stalled client's outbox filled up").isGreaterThan(32 * 1024);
    assertThat(broadcaster.stats().clients()).isEqualTo(1);

    long last = version;
    broadcaster.publish(update(++version));
    await().until(() -> healthy.recorder().view().values().stream().anyMatch(v -> v == last + 1));
    healthy.recorder().assertConsistent();
  }

  @Test
  void sequential_stalledPeer_delaysEveryoneUntilItsSendTimesOut() throws Exception {
    start(Broadcasters.Preset.SEQUENTIAL.newBuilder().sendTimeout(Duration.ofSeconds(3)));
    stalled = RawWebSocket.handshake(server.webSocketUri()); // Registered first: served first.
    await().until(() -> broadcaster.stats().clients() == 1);
    WsTestClient healthy = WsTestClient.connect(http, server.webSocketUri(), "healthy", null);
    await().until(() -> broadcaster.stats().clients() == 2);

    AtomicLong published = new AtomicLong();
    CompletableFuture<Void> publishing =
        CompletableFuture.runAsync(
            () -> {
              for (long v = 1; v <= 2_000 && closes.isEmpty(); v++) {
                broadcaster.publish(update(v));
                published.set(v);
              }
            },
            publisher);

    // The stalled peer's socket fills; the publisher then waits on it for the send timeout,
    // and the healthy client, served after it, waits as long.
    closes.awaitFirst(Duration.ofSeconds(60));
    assertThat(closes.names()).containsExactly("SEND_TIMEOUT");
    long stuckAt = published.get();

    publishing.get(); // The sequential publisher waits on each send: every latency is recorded.
    assertThat(broadcaster.stats().latencyMax())
        .as("one broadcast waited for the send timeout")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    long last = published.get();
    assertThat(last).isGreaterThanOrEqualTo(stuckAt);
    await().until(() -> healthy.recorder().view().getOrDefault("s" + (last % 4), 0L) == last);
    healthy.recorder().assertConsistent();
  }

  /**
   * Where a stalled peer's bytes go: sends keep completing (Grizzly writes them to the socket)
   * until the kernel's buffers are full, then stop. Prints how much the transport absorbed, the
   * figure quoted in the docs; rerun with {@code mvn -B verify -pl broadcast-tyrus -am
   * -Dit.test=StalledClientIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}.
   */
  @Test
  void transport_absorbsABoundedAmountForAStalledPeer_thenSendsStopCompleting() throws Exception {
    start(Broadcasters.newBuilder().sendTimeout(Duration.ofMinutes(5)));
    stalled = RawWebSocket.handshake(server.webSocketUri());
    await().until(() -> broadcaster.stats().clients() == 1);

    int frames = 3_000; // 8 KiB each: 24 MiB, far more than any socket buffer.
    long absorbed = publishUntilSendsStopCompleting(frames);
    long framesAbsorbed = broadcaster.stats().framesSent() - 1; // Less initial_state.
    System.out.printf(
        "stalled peer (4 KiB receive buffer): %d frames, %d bytes written before sends stopped"
            + " completing; %d bytes waiting in the (unbounded, concurrent) outbox%n",
        framesAbsorbed, absorbed, broadcaster.stats().queuedBytes());
    assertThat(framesAbsorbed).as("sends stopped completing").isLessThan(frames);
    assertThat(absorbed).as("kernel buffers are bounded").isLessThan(64L << 20);
  }

  /** Publishes {@code frames} updates, waits until no more bytes go out, returns the bytes sent. */
  private long publishUntilSendsStopCompleting(int frames) {
    for (int v = 1; v <= frames; v++) {
      broadcaster.publish(update(v));
    }
    AtomicLong lastSent = new AtomicLong(-1);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                lastSent.getAndSet(broadcaster.stats().bytesSent())
                    == broadcaster.stats().bytesSent());
    return broadcaster.stats().bytesSent();
  }

  @Test
  void smallSocketSendBuffer_stalledPeerAbsorbsFarLess() throws Exception {
    start(Broadcasters.newBuilder().sendTimeout(Duration.ofMinutes(5)), 16 * 1024);
    stalled = RawWebSocket.handshake(server.webSocketUri());
    await().until(() -> broadcaster.stats().clients() == 1);

    long absorbed = publishUntilSendsStopCompleting(1_000);
    System.out.printf(
        "stalled peer, 16 KiB SO_SNDBUF: %d bytes written before sends stopped" + " completing%n",
        absorbed);
    // The kernel doubles SO_SNDBUF for bookkeeping; with the peer's 4 KiB receive buffer and
    // Grizzly's one in-flight record this stays well under the 2.8 MB of the default.
    assertThat(absorbed).isLessThan(128 * 1024);
  }

  @Test
  void negativeSocketSendBuffer_isRefusedNamingIt() {
    assertThatThrownBy(() -> EmbeddedServer.newBuilder().socketSendBuffer(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("socketSendBuffer");
  }
}
