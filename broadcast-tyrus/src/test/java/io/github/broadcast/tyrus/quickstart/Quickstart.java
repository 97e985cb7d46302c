// snippet:quickstart-program
package io.github.broadcast.tyrus.quickstart;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionStore;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.tyrus.EmbeddedServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Serves a changing session to every page at ws://127.0.0.1:8080/ws/dashboard until stopped. */
public final class Quickstart {

  /** Serves until stopped; the first argument is the port (default 8080; 0 picks a free one). */
  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080; // 0: any free port.
    Broadcaster broadcaster =
        Broadcasters.Preset.PRODUCTION
            .newBuilder()
            .heartbeat(Duration.ofSeconds(15), Duration.ofSeconds(45))
            .build();
    SessionStore store = SessionStore.inMemory().build(); // Or RedisSessionStore, for a cluster.
    store.subscribe(broadcaster::publish); // Every session there, then every change.
    EmbeddedServer server =
        EmbeddedServer.newBuilder()
            .port(port)
            .endpoint(BroadcastEndpointConfig.newBuilder("/ws/dashboard", broadcaster))
            .start();

    // Ctrl-C or SIGTERM: the server goes first (every page gets 1001, going away, and reconnects
    // elsewhere at once), then what it served. The JVM waits for this hook to finish.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  broadcaster.close();
                  store.close();
                }));

    // Your application changes sessions; every page connected gets each change.
    ScheduledExecutorService work = Executors.newSingleThreadScheduledExecutor();
    work.scheduleAtFixedRate(
        () -> store.apply("session-1", s -> s.put("ticks", s.path("ticks").asLong() + 1)),
        0,
        1,
        TimeUnit.SECONDS);
    System.out.println("serving " + server.webSocketUri());
    new CountDownLatch(1).await(); // Until the JVM is stopped.
  }
}
// snippet:end
