package io.github.broadcast.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a free loopback port, in a temporary folder, without automatic
 * persistence: started and stopped by the tests (and restarted on the same port, empty, or from a
 * snapshot taken with {@link #save()}), killed, paused, and used by RedisStoreBenchmark. Tests
 * skip, saying why, where Debian's redis-server is not installed, except under CI ({@code
 * CI=true}), where that is a failure; .ci/run installs it.
 */
public final class RedisServer implements AutoCloseable {

  private static final Path BINARY =
      Path.of(System.getenv().getOrDefault("REDIS_SERVER", "/usr/bin/redis-server"));

  private final Path dir;
  private final String password;
  private final int port;
  private Process process;

  private RedisServer(Path dir, String password) throws IOException {
    this.dir = dir;
    this.password = password;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      this.port = probe.getLocalPort();
    }
  }

  /** Skips the test where redis-server is not installed; under CI that is a failure. */
  public static void requireInstalled() {
    Prerequisites.require(
        Files.isExecutable(BINARY), BINARY.toString(), "apt-get install redis-server");
  }

  /** Starts a server for a test (with {@code requirepass} if {@code password} is not null). */
  public static RedisServer start(Path dir, String password) throws Exception {
    requireInstalled();
    return launch(dir, password);
  }

  /**
   * Starts a server outside JUnit (a benchmark): no skipping, an exception if redis-server is not
   * installed.
   */
  public static RedisServer launch(Path dir, String password) throws Exception {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          "needs " + BINARY + " (apt-get install redis-server, or set REDIS_SERVER to its path)");
    }
    RedisServer server = new RedisServer(dir, password);
    server.start();
    return server;
  }

  /** Starts (or restarts) the server on its port, empty, and waits until it answers. */
  public void start() throws Exception {
    Files.deleteIfExists(dir.resolve(snapshotName()));
    startFromSnapshot();
  }

  /**
   * Starts (or restarts) the server on its port, loading the last snapshot {@link #save()} wrote
   * (empty if none), and waits until it answers.
   */
  public void startFromSnapshot() throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                BINARY.toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString(),
                "--dbfilename",
                snapshotName(),
                "--loglevel",
                "warning"));
    if (password != null) {
      command.addAll(List.of("--requirepass", password));
    }
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!answers()) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "redis-server exited: " + Files.readString(dir.resolve("redis-" + port + ".log")));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("redis-server did not answer on port " + port);
      }
      Thread.sleep(20); // Polling a starting process: no event to wait on.
    }
  }

  private String snapshotName() {
    return "dump-" + port + ".rdb";
  }

  /** Writes a snapshot of the data now (SAVE), for {@link #startFromSnapshot()}. */
  public void save() throws IOException {
    String reply = command("SAVE");
    if (!reply.startsWith("+OK")) {
      throw new IllegalStateException("SAVE answered " + reply);
    }
  }

  /** Makes this server a replica of {@code master} (REPLICAOF), for a Sentinel to promote. */
  public void replicaOf(RedisServer master) throws IOException {
    String reply = command("REPLICAOF 127.0.0.1 " + master.port());
    if (!reply.startsWith("+OK")) {
      throw new IllegalStateException("REPLICAOF answered " + reply);
    }
  }

  /** Kills the server at once (SIGKILL): no shutdown, connections reset. */
  public void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Pauses the server (SIGSTOP): connections stay open, nothing is answered. */
  public void pause() throws Exception {
    signal("STOP");
  }

  /** Resumes a paused server (SIGCONT): it runs what it received meanwhile. */
  public void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String name) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** Sends one inline command without a password and returns the first reply line. */
  public String command(String command) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      if (password != null) {
        out.write(("AUTH " + password + "\r\n").getBytes(StandardCharsets.US_ASCII));
      }
      out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      if (password != null) {
        in.readLine();
      }
      String line = in.readLine();
      return line == null ? "" : line;
    }
  }

  /** Stops the server (its data is gone unless {@link #save()} wrote a snapshot). */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** The loopback port this server listens on. */
  public int port() {
    return port;
  }

  /** The URI a store connects with (with the password, if any). */
  public String uri() {
    return "redis://" + (password == null ? "" : ":" + password + "@") + "127.0.0.1:" + port;
  }

  private boolean answers() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      socket.setSoTimeout(1_000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      int first = in.read();
      return first == '+' || first == '-'; // PONG, or NOAUTH when a password is set.
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
