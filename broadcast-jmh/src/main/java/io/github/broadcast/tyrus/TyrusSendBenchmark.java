package io.github.broadcast.tyrus;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.jmh.Payload;
import jakarta.websocket.CloseReason;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.glassfish.tyrus.core.RequestContext;
import org.glassfish.tyrus.core.TyrusUpgradeResponse;
import org.glassfish.tyrus.spi.CompletionHandler;
import org.glassfish.tyrus.spi.Connection;
import org.glassfish.tyrus.spi.WebSocketEngine;
import org.glassfish.tyrus.spi.Writer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The server's cost of one update to every client through Tyrus, with the frame's bytes written
 * directly ({@code DIRECT}, the embedded server's path; {@code DEFLATE}, the same compressed once
 * for clients that negotiated permessage-deflate) or its text handed to Tyrus' {@code sendText},
 * which frames and encodes it again per client ({@code SEND_TEXT}, any other container's path).
 * Real Tyrus sessions, upgraded by Tyrus' own engine, behind the real endpoint; only the socket is
 * replaced, by a writer that takes the bytes and completes at once (the kernel took them). So the
 * figure is core, endpoint and Tyrus, without the network: divide the time and the {@code
 * gc.alloc.rate.norm} of one operation by {@code clients} for the cost per client per frame.
 *
 * <pre>
 * java -jar broadcast-jmh/target/benchmarks.jar TyrusSendBenchmark -prof gc -rf json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@State(Scope.Thread)
public class TyrusSendBenchmark {

  /** How a frame reaches the connection. */
  public enum Path {
    /** The frame's bytes, built once, to every connection: the embedded server's path. */
    DIRECT,
    /** As DIRECT, to clients that negotiated permessage-deflate: compressed once per message. */
    DEFLATE,
    /** {@code sendText}: Tyrus frames and encodes the text per client (other containers). */
    SEND_TEXT
  }

  /** The send path. */
  @Param({"DIRECT", "DEFLATE", "SEND_TEXT"})
  public Path path;

  /** Connected clients. */
  @Param({"100", "1000"})
  public int clients;

  /** The size of a session's state. */
  @Param({"SMALL", "LARGE"})
  public Payload payload;

  private Broadcaster broadcaster;
  private SessionUpdate[] updates;
  private long version;
  private int next;
  private final List<Connection> connections = new ArrayList<>();
  private long bytesWritten;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    broadcaster = Broadcasters.Preset.CONCURRENT.newBuilder().build();
    BroadcastEndpointConfig.Builder endpoint =
        BroadcastEndpointConfig.newBuilder("/ws", broadcaster)
            .allowAnyOrigin()
            .maxClients(clients + 1)
            .connectionRate(1e9, clients + 1);
    if (path == Path.SEND_TEXT) {
      endpoint.frameWriter(session -> null);
    } else {
      endpoint.frameWriter(new TyrusFrameWriter(path == Path.DEFLATE));
    }
    EmbeddedContainer container = new EmbeddedContainer(4 * 1024 * 1024 + 11);
    container.register(endpoint.build().serverEndpointConfig());
    WebSocketEngine engine = container.getWebSocketEngine();
    Writer socket = new KernelWriter();
    for (int i = 0; i < clients; i++) {
      RequestContext request =
          RequestContext.Builder.create()
              .requestURI(URI.create("/ws"))
              .queryString("id=c" + i)
              .build();
      request.getHeaders().put("Host", List.of("127.0.0.1"));
      request.getHeaders().put("Upgrade", List.of("websocket"));
      request.getHeaders().put("Connection", List.of("Upgrade"));
      request.getHeaders().put("Sec-WebSocket-Key", List.of("dGhlIHNhbXBsZSBub25jZQ=="));
      request.getHeaders().put("Sec-WebSocket-Version", List.of("13"));
      if (path == Path.DEFLATE) {
        request.getHeaders().put("Sec-WebSocket-Extensions", List.of("permessage-deflate"));
      }
      WebSocketEngine.UpgradeInfo upgrade = engine.upgrade(request, new TyrusUpgradeResponse());
      if (upgrade.getStatus() != WebSocketEngine.UpgradeStatus.SUCCESS) {
        throw new IllegalStateException("upgrade of client " + i + ": " + upgrade.getStatus());
      }
      connections.add(upgrade.createConnection(socket, reason -> {}));
    }
    if (broadcaster.stats().clients() != clients) {
      throw new IllegalStateException(broadcaster.stats().clients() + " clients registered");
    }
    updates = payload.updates(20);
    // One update first, to check that both paths put the same bytes on the wire.
    long before = bytesWritten;
    publish();
    long perClient = (bytesWritten - before) / clients;
    if (perClient == 0 || (bytesWritten - before) % clients != 0) {
      throw new IllegalStateException((bytesWritten - before) + " bytes for " + clients);
    }
    System.out.println(path + ": " + perClient + " bytes on the wire per client per update");
  }

  /** Takes every frame whole and completes at once, as a socket with room does. */
  private final class KernelWriter extends Writer {
    @Override
    public void write(ByteBuffer buffer, CompletionHandler<ByteBuffer> completionHandler) {
      bytesWritten += buffer.remaining();
      buffer.position(buffer.limit());
      if (completionHandler != null) {
        completionHandler.completed(buffer);
      }
    }

    @Override
    public void close() {}
  }

  @Benchmark
  public void publish() {
    SessionUpdate template = updates[next];
    next = next == updates.length - 1 ? 0 : next + 1;
    broadcaster.publish(SessionUpdate.of(template.sessionId(), ++version, template.state()));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    CloseReason done = new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "done");
    connections.forEach(connection -> connection.close(done));
    broadcaster.close();
  }
}
