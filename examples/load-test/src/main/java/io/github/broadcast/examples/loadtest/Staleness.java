package io.github.broadcast.examples.loadtest;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Staleness of one client: event k of session s was sent at t(s, k); the first moment this client
 * holds event_count >= k for s, minus t(s, k), is that event's staleness. A coalesced or batched
 * update that jumps from count 4 to 10 therefore records events 5..10 at once, each against its own
 * send time, so strategies that skip intermediate states are measured as honestly as those that
 * send every one.
 *
 * <p>The send times are shared by every client (written by the poster, read by the clients'
 * listener threads, hence atomic arrays); what a client holds is its own, touched by one listener
 * callback at a time; its methods synchronize because the end of a run reads it from another
 * thread.
 */
final class Staleness {

  /** When events were sent, and from which event count a session is measured. */
  static final class SendLog {
    private final AtomicLongArray[] sent;
    private final AtomicIntegerArray measuredFrom;

    SendLog(int sessions, int maxEventsPerSession) {
      sent = new AtomicLongArray[sessions];
      for (int s = 0; s < sessions; s++) {
        sent[s] = new AtomicLongArray(maxEventsPerSession + 1);
      }
      measuredFrom = new AtomicIntegerArray(sessions);
    }

    int sessions() {
      return sent.length;
    }

    /** Whether event k of session s fits the log (events past the plan are not measured). */
    boolean fits(int s, int k) {
      return k < sent[s].length();
    }

    void sent(int s, int k, long nanos) {
      sent[s].set(k, nanos);
    }

    /** From now on, events of session s from count {@code k} on are measured. */
    void measureFrom(int s, int k) {
      measuredFrom.set(s, k);
    }

    long sentAt(int s, int k) {
      return sent[s].get(k);
    }

    int measuredFrom(int s) {
      return measuredFrom.get(s);
    }
  }

  private final SendLog log;
  private final StalenessHistograms histograms;
  private final long[] held;
  private final boolean[] watched; // The sessions this client receives (its topic's).

  Staleness(SendLog log, StalenessHistograms histograms) {
    this(log, histograms, null);
  }

  /** A client that receives only the sessions {@code watched} marks (null: every one). */
  Staleness(SendLog log, StalenessHistograms histograms, boolean[] watched) {
    this.log = log;
    this.histograms = histograms;
    this.held = new long[log.sessions()];
    this.watched = watched;
  }

  /** This client now holds {@code count} events of session {@code s}, at {@code now}. */
  synchronized void holds(int s, long count, long now) {
    long from = held[s] + 1;
    if (count < from) {
      return; // Nothing new (a repeat, or an older count after a resync).
    }
    int measuredFrom = log.measuredFrom(s);
    long last = Math.min(count, log.sent[s].length() - 1L);
    for (long k = Math.max(from, measuredFrom == 0 ? Long.MAX_VALUE : measuredFrom);
        k <= last;
        k++) {
      long sentAt = log.sentAt(s, (int) k);
      if (sentAt != 0) {
        histograms.record(sentAt, now - sentAt);
      }
    }
    held[s] = count;
  }

  /**
   * Ends the measurement at {@code now}: every measured event this client never received is
   * recorded as stale for {@code now} minus its send time, a lower bound of its true staleness.
   * Without this, a strategy that delivers nothing would show no staleness at all.
   *
   * @return how many events were recorded this way
   */
  synchronized long finish(long now) {
    long censored = 0;
    for (int s = 0; s < held.length; s++) {
      int measuredFrom = log.measuredFrom(s);
      if (measuredFrom == 0 || (watched != null && !watched[s])) {
        continue; // Not measured yet, or not this client's to receive.
      }
      for (long k = Math.max(held[s] + 1, measuredFrom); k < log.sent[s].length(); k++) {
        long sentAt = log.sentAt(s, (int) k);
        if (sentAt == 0) {
          break; // Never sent: the events of a session are sent in order.
        }
        histograms.record(sentAt, now - sentAt);
        censored++;
      }
      held[s] = Math.max(held[s], log.sent[s].length() - 1L);
    }
    return censored;
  }

  /** The highest event count of session s this client has held. */
  synchronized long held(int s) {
    return held[s];
  }
}
