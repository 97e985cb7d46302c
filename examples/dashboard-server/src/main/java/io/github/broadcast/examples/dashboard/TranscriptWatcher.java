package io.github.broadcast.examples.dashboard;

import io.github.broadcast.examples.dashboard.core.TranscriptSummary;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches a folder of Claude Code transcripts, recursively ({@code
 * ~/.claude/projects/<project>/<session>.jsonl}: the project folders there at start and those
 * created later), and reports what was appended to each {@code *.jsonl}: debounced per file (a
 * burst of writes is read once, after the file is quiet), reading only the new bytes, keeping a
 * torn last line until its newline arrives, and starting over when a file is truncated or replaced
 * (rotation).
 *
 * <p>At start, a file with a saved position (from the dashboard's data directory, same file, not
 * shorter) is read on from there; one changed within {@code recent} is read from its last {@value
 * #TAIL_BYTES} bytes, so that its session appears at once; older files count only what is appended
 * later. New files are read from their start. After each read, {@code positions} is told how far
 * the file has been consumed (to its last complete line), so that a restart reads on from there.
 *
 * <p>Threads: one thread takes file events; one scheduler thread runs the debounced reads, so
 * per-file state is touched by that thread only.
 */
final class TranscriptWatcher implements AutoCloseable {

  private static final System.Logger logger = System.getLogger(TranscriptWatcher.class.getName());

  /** How much of a recent transcript is read at start. */
  static final int TAIL_BYTES = 1024 * 1024;

  /** How deep below the root transcripts are looked for. */
  private static final int MAX_DEPTH = 4;

  /** Where a file was consumed to: its identity (inode) and the offset after its last full line. */
  record Position(String fileKey, long offset) {}

  /** Told each file's new position after a read. */
  interface Positions {
    void consumed(Path file, Position position);
  }

  /** Per-file read position; touched only on the scheduler thread. */
  private static final class Cursor {
    Object fileKey;
    long offset;
    boolean skipFirstLine; // Started inside the file: the first line is a fragment.
    byte[] torn = new byte[0]; // The last line, still without its newline.
    TranscriptSummary summary = new TranscriptSummary();
  }

  private final Path root;
  private final Duration debounce;
  private final Consumer<TranscriptSummary.Appended> sink;
  private final Positions positions;
  private final WatchService watcher;
  private final ScheduledExecutorService scheduler;
  private final Map<Path, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();
  private final Map<Path, Cursor> cursors = new ConcurrentHashMap<>();
  private final Thread events;

  TranscriptWatcher(
      Path root,
      Duration debounce,
      Duration recent,
      Map<Path, Position> saved,
      Consumer<TranscriptSummary.Appended> sink,
      Positions positions)
      throws IOException {
    this.root = root.toAbsolutePath();
    this.debounce = debounce;
    this.sink = sink;
    this.positions = positions;
    this.watcher = root.getFileSystem().newWatchService();
    this.scheduler = Daemons.scheduler("transcript-reader");
    Instant recentSince = Instant.now().minus(recent);
    for (Path file : watchTree(this.root)) {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      Cursor cursor = new Cursor();
      cursor.fileKey = attributes.fileKey();
      Position position = saved.get(file);
      if (position != null
          && position.fileKey().equals(String.valueOf(attributes.fileKey()))
          && position.offset() <= attributes.size()) {
        cursor.offset = position.offset(); // Read on from where the last run stopped.
      } else if (attributes.lastModifiedTime().toInstant().isAfter(recentSince)) {
        cursor.offset = Math.max(0, attributes.size() - TAIL_BYTES);
        cursor.skipFirstLine = cursor.offset > 0;
      } else {
        cursor.offset = attributes.size();
      }
      cursors.put(file, cursor);
      if (cursor.offset < attributes.size()) {
        schedule(file);
      }
    }
    this.events = Daemons.thread("transcript-watcher", this::takeEvents);
    this.events.start();
  }

  /** Registers {@code dir} and the folders below it; returns the transcripts found there. */
  private List<Path> watchTree(Path dir) throws IOException {
    List<Path> transcripts = new ArrayList<>();
    Files.walkFileTree(
        dir,
        EnumSet.noneOf(FileVisitOption.class),
        MAX_DEPTH,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path folder, BasicFileAttributes attributes)
              throws IOException {
            folder.register(
                watcher,
                StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            if (attributes.isRegularFile() && isTranscript(file)) {
              transcripts.add(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            logger.log(Level.DEBUG, () -> "cannot look into " + file + ": " + e);
            return FileVisitResult.CONTINUE;
          }
        });
    return transcripts;
  }

  private static boolean isTranscript(Path file) {
    return file.getFileName().toString().endsWith(".jsonl");
  }

  private void takeEvents() {
    try {
      while (true) {
        WatchKey key = watcher.take();
        Path dir = (Path) key.watchable();
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            rescan(root); // Events were lost: look at everything.
          } else if (event.context() instanceof Path) {
            Path path = dir.resolve((Path) event.context());
            if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE
                && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
              rescan(path); // A new project folder, with whatever was written into it already.
            } else if (isTranscript(path)) {
              schedule(path);
            }
          }
        }
        key.reset();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // Closed: stop.
    }
  }

  private void rescan(Path dir) {
    try {
      watchTree(dir).forEach(this::schedule);
    } catch (IOException e) {
      logger.log(Level.WARNING, "cannot watch " + dir, e);
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
        cursor.skipFirstLine = false;
        cursor.torn = new byte[0];
        cursor.summary = new TranscriptSummary();
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
    for (int i = 0; i < text.length; i++) {
      if (text[i] != '\n') {
        continue;
      }
      if (cursor.skipFirstLine) {
        cursor.skipFirstLine = false; // The tail began inside this line.
      } else {
        cursor.summary.line(new String(text, start, i - start, StandardCharsets.UTF_8));
      }
      start = i + 1;
    }
    cursor.torn = Arrays.copyOfRange(text, start, text.length);
    TranscriptSummary.Appended read = cursor.summary.take(file);
    if (read.lines() > 0) {
      sink.accept(read);
    }
    positions.consumed(
        file, new Position(String.valueOf(cursor.fileKey), cursor.offset - cursor.torn.length));
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
