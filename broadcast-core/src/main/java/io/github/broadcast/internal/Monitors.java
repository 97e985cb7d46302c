package io.github.broadcast.internal;

import java.util.Collection;
import java.util.concurrent.TimeUnit;

/** Waiting on a collection's own monitor, for the shutdowns that wait for their connections. */
public final class Monitors {

  private Monitors() {}

  /**
   * Waits until {@code guarded} is empty or {@code deadlineNanos} ({@link System#nanoTime()})
   * passes, and returns whether it emptied. Whoever removes from it must do so holding its monitor
   * and then call {@code notifyAll()} on it. An interrupt ends the wait (false) and stays set.
   */
  public static boolean awaitEmpty(Collection<?> guarded, long deadlineNanos) {
    synchronized (guarded) {
      while (!guarded.isEmpty()) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(guarded, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }
}
