package io.github.broadcast.examples.dashboard;

import io.github.broadcast.SessionUpdate;
import io.github.broadcast.examples.dashboard.core.Json;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dashboard's sessions on disk ({@code --data-dir}), so that a restart shows every card at
 * once: the latest state of each session, and how far each transcript has been read, in one H2
 * MVStore file ({@code sessions.mv.db}; the parent pom says why MVStore).
 *
 * <p>Nothing here runs on a request's thread but two map puts: changes are noted in memory ({@link
 * #changed}, {@link #consumed}) and a writer thread moves them into the store and commits once
 * every {@code interval}. A commit is atomic; a process killed at any point reopens at its last
 * commit, so a crash loses at most the changes of the last interval and never the file. Sessions
 * are noted before transcript positions and written in that order, so a crash can forget lines it
 * read (their effect is lost) but never make them count twice.
 *
 * <p>One process at a time: MVStore locks the file, and a second dashboard on the same directory
 * fails at start, naming it.
 */
final class SessionDisk implements AutoCloseable {

  private static final System.Logger logger = System.getLogger(SessionDisk.class.getName());
  private static final String REMOVED = "";

  private final Path file;
  private final MVStore store;
  private final MVMap<String, String> sessions; // Session id to its state, as JSON.
  private final MVMap<String, String> positions; // Transcript path to "fileKey\noffset".
  private final Map<String, String> dirtySessions = new ConcurrentHashMap<>();
  private final Map<String, String> dirtyPositions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService writer;

  private SessionDisk(Path file, MVStore store, Duration interval) {
    this.file = file;
    this.store = store;
    this.sessions = store.openMap("sessions");
    this.positions = store.openMap("transcript-positions");
    this.writer = Daemons.scheduler("session-disk");
    long millis = interval.toMillis();
    writer.scheduleWithFixedDelay(this::write, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens (or creates) {@code dir/sessions.mv.db}.
   *
   * @throws IOException if the folder cannot be made, the file is another process's, or it is not
   *     an MVStore file
   */
  static SessionDisk open(Path dir, Duration interval) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("sessions.mv.db");
    try {
      MVStore store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
      return new SessionDisk(file, store, interval);
    } catch (MVStoreException e) {
      throw new IOException(
          "cannot open "
              + file
              + ": "
              + e.getMessage()
              + " (another dashboard on this --data-dir? give each its own)",
          e);
    }
  }

  /** The sessions as last committed, by id. */
  Map<String, ObjectNode> sessions() {
    Map<String, ObjectNode> loaded = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : sessions.entrySet()) {
      try {
        JsonNode state = Json.MAPPER.readTree(entry.getValue());
        if (state != null && state.isObject()) {
          loaded.put(entry.getKey(), (ObjectNode) state);
        }
      } catch (JacksonException e) {
        logger.log(Level.WARNING, "skipping unreadable session " + entry.getKey() + " in " + file);
      }
    }
    return loaded;
  }

  /** The transcript positions as last committed, by path. */
  Map<Path, TranscriptWatcher.Position> positions() {
    Map<Path, TranscriptWatcher.Position> loaded = new HashMap<>();
    for (Map.Entry<String, String> entry : positions.entrySet()) {
      String[] parts = entry.getValue().split("\n", 2);
      try {
        loaded.put(
            Path.of(entry.getKey()),
            new TranscriptWatcher.Position(parts[0], Long.parseLong(parts[1])));
      } catch (RuntimeException e) {
        logger.log(Level.DEBUG, () -> "skipping a malformed position of " + entry.getKey());
      }
    }
    return loaded;
  }

  /** Notes a change of a session (a tombstone removes it). Cheap: a map put. */
  void changed(SessionUpdate update) {
    dirtySessions.put(
        update.sessionId(), update.isTombstone() ? REMOVED : update.state().toString());
  }

  /** Notes how far a transcript has been read. Cheap: a map put. */
  void consumed(Path transcript, TranscriptWatcher.Position position) {
    dirtyPositions.put(transcript.toString(), position.fileKey() + "\n" + position.offset());
  }

  /** Moves the noted changes into the store and commits. Writer thread, or close. */
  private synchronized void write() {
    try {
      if (dirtySessions.isEmpty() && dirtyPositions.isEmpty()) {
        return;
      }
      drain(dirtySessions, sessions);
      drain(dirtyPositions, positions);
      store.commit();
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "cannot write sessions to " + file, e);
    }
  }

  private static void drain(Map<String, String> dirty, MVMap<String, String> target) {
    for (String key : dirty.keySet()) {
      Optional.ofNullable(dirty.remove(key))
          .ifPresent(
              value -> {
                if (value.equals(REMOVED)) {
                  target.remove(key);
                } else {
                  target.put(key, value);
                }
              });
    }
  }

  /** Writes what is noted, then closes the file. */
  @Override
  public void close() {
    writer.shutdownNow();
    try {
      writer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    write();
    store.close();
  }
}
