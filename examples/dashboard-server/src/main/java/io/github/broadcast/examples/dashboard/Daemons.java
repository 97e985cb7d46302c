package io.github.broadcast.examples.dashboard;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The dashboard's background threads: named, and daemons, so none keeps the JVM alive. */
final class Daemons {

  private Daemons() {}

  /** A single-thread scheduler whose thread is a daemon called {@code name}. */
  static ScheduledExecutorService scheduler(String name) {
    return Executors.newSingleThreadScheduledExecutor(task -> thread(name, task));
  }

  /** An unstarted daemon thread called {@code name}. */
  static Thread thread(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }
}
