package io.github.broadcast.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Sentinel (Debian's {@code redis-sentinel}) on a free loopback port, watching one
 * {@link RedisServer} as master {@code mymaster} with a quorum of one, so that it alone decides a
 * failover: the master is down after 1 s of silence, and a replica is promoted. Tests skip, saying
 * why, where redis-sentinel is not installed, except under CI ({@code CI=true}), where that is a
 * failure; .ci/run installs it.
 */
public final class RedisSentinel implements AutoCloseable {

  /** The master name the sentinel watches. */
  public static final String MASTER = "mymaster";

  private static final Path BINARY =
      Path.of(System.getenv().getOrDefault("REDIS_SENTINEL", "/usr/bin/redis-sentinel"));

  private final Path dir;
  private final int port;
  private final Process process;

  private RedisSentinel(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /** Starts a sentinel watching {@code master} and waits until it answers. */
  public static RedisSentinel start(Path dir, RedisServer master) throws Exception {
    Prerequisites.require(
        Files.isExecutable(BINARY), BINARY.toString(), "apt-get install redis-sentinel");
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path config = dir.resolve("sentinel-" + port + ".conf"); // Sentinel rewrites its own file.
    Files.write(
        config,
        List.of(
            "port " + port,
            "bind 127.0.0.1",
            "dir " + dir,
            "sentinel monitor " + MASTER + " 127.0.0.1 " + master.port() + " 1",
            "sentinel down-after-milliseconds " + MASTER + " 1000",
            "sentinel failover-timeout " + MASTER + " 5000",
            "sentinel parallel-syncs " + MASTER + " 1"));
    Process process =
        new ProcessBuilder(BINARY.toString(), config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("sentinel-" + port + ".log").toFile())
            .start();
    RedisSentinel sentinel = new RedisSentinel(dir, port, process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!sentinel.masterPort().isPresent()) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-sentinel exited: " + sentinel.log());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("redis-sentinel did not answer: " + sentinel.log());
      }
      Thread.sleep(20); // Polling a starting process: no event to wait on.
    }
    return sentinel;
  }

  /** The port of the master the sentinel names now, if it answers. */
  public OptionalInt masterPort() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("SENTINEL get-master-addr-by-name " + MASTER + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      if (!"*2".equals(in.readLine())) {
        return OptionalInt.empty();
      }
      in.readLine(); // $9
      in.readLine(); // 127.0.0.1
      in.readLine(); // $5
      return OptionalInt.of(Integer.parseInt(in.readLine().strip()));
    } catch (IOException | RuntimeException e) {
      return OptionalInt.empty();
    }
  }

  /** The loopback port the sentinel listens on. */
  public int port() {
    return port;
  }

  /** The URI a store connects with through this sentinel. */
  public String uri() {
    return "redis-sentinel://127.0.0.1:" + port + "?sentinelMasterId=" + MASTER;
  }

  private String log() throws IOException {
    return Files.readString(dir.resolve("sentinel-" + port + ".log"));
  }

  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
