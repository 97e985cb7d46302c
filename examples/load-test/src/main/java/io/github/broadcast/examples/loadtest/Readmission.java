package io.github.broadcast.examples.loadtest;

import io.github.broadcast.examples.dashboard.core.Flags;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long a restarted dashboard takes to readmit its open pages: N WebSocket clients that
 * reconnect as the page does (full jitter: a delay drawn from 0 to min(30 s, 500 ms x 2^attempt),
 * the attempt count reset by each {@code initial_state}) are connected to a dashboard in its own
 * JVM; it is stopped (SIGTERM: a graceful shutdown that tells them 1001) and started again on the
 * same port with the default connection rate (100 a second, bursts of 200). Reported: the time from
 * the new server's start until each page holds its {@code initial_state} again, and how many
 * attempts were turned away (closed 1013 by the rate limit, or refused while it was down).
 *
 * <pre>
 * java -cp examples/load-test/target/load-test.jar \
 *     io.github.broadcast.examples.loadtest.Readmission --pages 1000 --seed 1 \
 *     [--connection-rate 100:200] [--jar examples/dashboard-server/target/dashboard-server.jar]
 * </pre>
 */
public final class Readmission {

  private static final long BASE_MS = 500; // app.js: BACKOFF_BASE_MS
  private static final long CAP_MS = 30_000; // app.js: BACKOFF_CAP_MS

  private final HttpClient http = HttpClient.newHttpClient();
  private final ScheduledExecutorService timer = new ScheduledThreadPoolExecutor(2);
  private final Random random;
  private final URI uri;
  private final AtomicInteger refused = new AtomicInteger(); // Closed 1013.
  private final AtomicInteger failed = new AtomicInteger(); // Could not connect at all.

  private Readmission(URI uri, long seed) {
    this.uri = uri;
    this.random = new Random(seed);
  }

  /** One page's connection and backoff, as app.js does it. */
  private final class Page implements WebSocket.Listener {
    int attempt;
    final AtomicLong admittedAt = new AtomicLong(Long.MIN_VALUE); // Nanos, last initial_state.

    void connect() {
      http.newWebSocketBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .buildAsync(uri, this)
          .whenComplete(
              (socket, error) -> {
                if (error != null) {
                  failed.incrementAndGet();
                  retry();
                }
              });
    }

    void retry() {
      long delay;
      synchronized (random) {
        delay = (long) (random.nextDouble() * Math.min(CAP_MS, BASE_MS << Math.min(attempt, 20)));
      }
      attempt++;
      timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      if (data.toString().startsWith("{\"type\":\"initial_state\"")) {
        attempt = 0;
        admittedAt.set(System.nanoTime());
      }
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
      if (code == 1013) {
        refused.incrementAndGet();
      }
      retry();
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      retry();
    }

    boolean admittedSince(long since) {
      return admittedAt.get() >= since;
    }
  }

  /** Its flags, in the grammar of the load test and the dashboard. */
  static final Flags FLAGS =
      Flags.newBuilder(
              "java -cp load-test.jar " + Readmission.class.getName(),
              "Connects pages, restarts the dashboard, and prints how long they took to come back.",
              "READMISSION_")
          .flag("pages", "N", "1000", "pages that reconnect as the dashboard's page does")
          .flag("seed", "N", "1", "the seed of the pages' backoff jitter")
          .flag("connection-rate", "R:B", "100:200", "the dashboard's --connection-rate")
          .flag(
              "jar",
              "PATH",
              "examples/dashboard-server/target/dashboard-server.jar",
              "the dashboard's jar")
          .build();

  private static int whole(Flags.Result flags, String name) {
    try {
      int value = Integer.parseInt(flags.get(name).strip());
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Refused below.
    }
    throw new IllegalArgumentException(
        "--" + name + " : " + flags.get(name) + " (expected: a whole number > 0)");
  }

  /**
   * Connects {@code --pages} pages, restarts the dashboard, and prints how long the pages took to
   * be readmitted.
   */
  public static void main(String[] args) throws Exception {
    Flags.Result flags = FLAGS.parse(args, System.getenv());
    if (flags.toggled("help")) {
      System.out.println(FLAGS.usage());
      return;
    }
    int pages = whole(flags, "pages");
    long seed = whole(flags, "seed");
    String connectionRate = flags.get("connection-rate");
    Path jar = Path.of(flags.get("jar"));
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    List<String> serverArgs =
        List.of("--port", String.valueOf(port), "--connection-rate", connectionRate);
    Readmission run = new Readmission(URI.create("ws://127.0.0.1:" + port + "/ws/dashboard"), seed);
    List<Page> all = new ArrayList<>();
    ServerProcess server =
        ServerProcess.start(ServerProcess.Kind.GRIZZLY, jar, "production", serverArgs);
    try {
      for (int i = 0; i < pages; i++) {
        Page page = run.new Page();
        all.add(page);
        page.connect();
      }
      run.awaitAll(all, Long.MIN_VALUE + 1, Duration.ofMinutes(3));
      System.out.printf("%d pages connected; restarting the dashboard%n", pages);
      run.refused.set(0);
      run.failed.set(0);
    } finally {
      server.close();
    }
    server = ServerProcess.start(ServerProcess.Kind.GRIZZLY, jar, "production", serverArgs);
    long started = System.nanoTime();
    try {
      double[] seconds = run.awaitAll(all, started, Duration.ofMinutes(5));
      Arrays.sort(seconds);
      System.out.printf(
          "readmitted %d pages (--connection-rate %s) after the restart: p50 %.1f s, p90 %.1f s,"
              + " all %.1f s; %d attempts closed 1013 by the rate limit, %d refused before the port"
              + " was open%n",
          pages,
          connectionRate,
          seconds[seconds.length / 2],
          seconds[(int) (seconds.length * 0.9)],
          seconds[seconds.length - 1],
          run.refused.get(),
          run.failed.get());
    } finally {
      server.close();
      run.timer.shutdownNow();
    }
  }

  /** Waits until every page was admitted after {@code since}; returns each one's delay, seconds. */
  private double[] awaitAll(List<Page> pages, long since, Duration patience)
      throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    while (!pages.stream().allMatch(p -> p.admittedSince(since))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            pages.stream().filter(p -> !p.admittedSince(since)).count() + " pages not admitted");
      }
      Thread.sleep(50);
    }
    return pages.stream().mapToDouble(p -> (p.admittedAt.get() - since) / 1e9).toArray();
  }
}
