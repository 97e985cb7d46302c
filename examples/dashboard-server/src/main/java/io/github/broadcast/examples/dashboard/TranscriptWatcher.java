package io.github.broadcast.examples.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches a folder of Claude Code {@code *.jsonl} transcripts and reports what was appended:
 * debounced per file (a burst of writes is read once, after the file is quiet), reading only the
 * new bytes, keeping a torn last line until its newline arrives, and starting over when a file is
 * truncated or replaced (rotation).
 *
 * <p>Files present at start are read from their end: only what is appended later counts. New files
 * are read from their start.
 *
 * <p>Threads: one thread takes file events; one scheduler thread runs the debounced reads, so
 * per-file state is touched by that thread only.
 */
final class TranscriptWatcher implements AutoCloseable {

  private static final System.Logger logger = System.getLogger(TranscriptWatcher.class.getName());

  /** What one read of one transcript found. */
  record Appended(String sessionId, Path file, int lines, String lastType) {}

  /** Per-file read position; touched only on the scheduler thread. */
  private static final class Cursor {
    Object fileKey;
    long offset;
    byte[] torn = new byte[0]; // The last line, still without its newline.
  }

  private final Path folder;
  private final Duration debounce;
  private final Consumer<Appended> sink;
  private final WatchService watcher;
  private final ScheduledExecutorService scheduler;
  private final Map<Path, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();
  private final Map<Path, Cursor> cursors = new ConcurrentHashMap<>();
  private final Thread events;

  TranscriptWatcher(Path folder, Duration debounce, Consumer<Appended> sink) throws IOException {
    this.folder = folder.toAbsolutePath();
    this.debounce = debounce;
    this.sink = sink;
    this.watcher = folder.getFileSystem().newWatchService();
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "transcript-reader");
              thread.setDaemon(true);
              return thread;
            });
    this.folder.register(
        watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    try (DirectoryStream<Path> existing = Files.newDirectoryStream(this.folder, "*.jsonl")) {
      for (Path file : existing) {
        Cursor cursor = new Cursor();
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        cursor.fileKey = attributes.fileKey();
        cursor.offset = attributes.size();
        cursors.put(file, cursor);
      }
    }
    this.events = new Thread(this::takeEvents, "transcript-watcher");
    this.events.setDaemon(true);
    this.events.start();
  }

  private void takeEvents() {
    try {
      while (true) {
        WatchKey key = watcher.take();
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.context() instanceof Path) {
            Path file = folder.resolve((Path) event.context());
            if (file.getFileName().toString().endsWith(".jsonl")) {
              schedule(file);
            }
          } else if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            // Events were lost: look at every transcript.
            try (DirectoryStream<Path> all = Files.newDirectoryStream(folder, "*.jsonl")) {
              all.forEach(this::schedule);
            } catch (IOException e) {
              logger.log(Level.WARNING, "cannot list " + folder, e);
            }
          }
        }
        key.reset();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // Closed: stop.
    }
  }

  /** (Re)starts the quiet period of {@code file}: the last event wins. */
  private void schedule(Path file) {
    pending.compute(
        file,
        (path, previous) -> {
          if (previous != null) {
            previous.cancel(false);
          }
          return scheduler.schedule(() -> read(path), debounce.toNanos(), TimeUnit.NANOSECONDS);
        });
  }

  /** Reads what was appended to {@code file} since the last read. Scheduler thread only. */
  private void read(Path file) {
    pending.remove(file);
    try {
      BasicFileAttributes attributes;
      try {
        attributes = Files.readAttributes(file, BasicFileAttributes.class);
      } catch (NoSuchFileException gone) {
        cursors.remove(file);
        return;
      }
      Cursor cursor = cursors.computeIfAbsent(file, f -> new Cursor());
      if (!Objects.equals(cursor.fileKey, attributes.fileKey())
          || attributes.size() < cursor.offset) {
        // A new file under this name, or the old one truncated: start over.
        cursor.fileKey = attributes.fileKey();
        cursor.offset = 0;
        cursor.torn = new byte[0];
      }
      long size = attributes.size();
      if (size == cursor.offset) {
        return;
      }
      byte[] appended = new byte[(int) Math.min(size - cursor.offset, 64L << 20)];
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        ByteBuffer buffer = ByteBuffer.wrap(appended);
        while (buffer.hasRemaining()) {
          if (channel.read(buffer, cursor.offset + buffer.position()) < 0) {
            break;
          }
        }
      }
      cursor.offset += appended.length;
      report(file, cursor, appended);
    } catch (IOException | RuntimeException e) {
      logger.log(Level.WARNING, "cannot read transcript " + file, e);
    }
  }

  private void report(Path file, Cursor cursor, byte[] appended) {
    byte[] text = new byte[cursor.torn.length + appended.length];
    System.arraycopy(cursor.torn, 0, text, 0, cursor.torn.length);
    System.arraycopy(appended, 0, text, cursor.torn.length, appended.length);
    int start = 0;
    int lines = 0;
    String sessionId = null;
    String lastType = null;
    for (int i = 0; i < text.length; i++) {
      if (text[i] != '\n') {
        continue;
      }
      String line = new String(text, start, i - start, StandardCharsets.UTF_8).strip();
      start = i + 1;
      if (line.isEmpty()) {
        continue;
      }
      lines++;
      try {
        JsonNode entry = Http.MAPPER.readTree(line);
        if (entry.path("sessionId").isTextual()) {
          sessionId = entry.get("sessionId").asText();
        }
        if (entry.path("type").isTextual()) {
          lastType = entry.get("type").asText();
        }
      } catch (IOException e) {
        logger.log(Level.DEBUG, () -> "skipping a line that is not JSON in " + file);
      }
    }
    cursor.torn = Arrays.copyOfRange(text, start, text.length);
    if (lines > 0) {
      if (sessionId == null) {
        String name = file.getFileName().toString();
        sessionId = name.substring(0, name.length() - ".jsonl".length());
      }
      sink.accept(new Appended(sessionId, file, lines, lastType));
    }
  }

  @Override
  public void close() {
    try {
      watcher.close();
    } catch (IOException e) {
      logger.log(Level.DEBUG, "closing the watch service failed", e);
    }
    events.interrupt();
    scheduler.shutdownNow();
  }
}
