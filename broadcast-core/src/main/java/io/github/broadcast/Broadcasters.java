package io.github.broadcast;

import com.sun.management.OperatingSystemMXBean;
import io.github.broadcast.internal.Checks;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * Builds broadcasters: named presets for the common strategies, and one {@link Builder} for
 * everything else.
 *
 * <table>
 *   <caption>Presets</caption>
 *   <tr><th>preset</th><th>what it does</th><th>pick it when</th></tr>
 *   <tr><td>{@link #sequential()}</td><td>sends to each client in turn, waiting for each send
 *       (at most the send timeout, 5 s)</td><td>never in production: it is the baseline that
 *       shows one slow client stalling everyone</td></tr>
 *   <tr><td>{@link #concurrent()}</td><td>starts every client's send at once; a send not done
 *       within 5 s closes that client</td><td>few clients, all fast</td></tr>
 *   <tr><td>{@link #batched()}</td><td>coalesces updates per session into one frame per flush,
 *       self-clocked: a flush starts when the previous one is on every ready client's socket and
 *       16 ms have passed, so a quiet update leaves at once; over concurrent delivery</td><td>many
 *       updates per second per session</td></tr>
 *   <tr><td>{@link #backpressure()}</td><td>a bounded outbox per client (1 MiB, 1,024 frames),
 *       conflating on overflow; a client behind for 30 s is closed</td><td>clients on slow or
 *       unreliable links</td></tr>
 *   <tr><td>{@link #production()}</td><td>backpressure, paced by what each client has consumed
 *       ({@link Builder#paced()}): an idle client gets an update at once, a busy one one frame
 *       per round trip with the latest state of everything that changed</td><td>the default, at
 *       any fan-out and on any link</td></tr>
 * </table>
 *
 * <pre>{@code
 * Broadcaster broadcaster = Broadcasters.Preset.PRODUCTION.newBuilder()
 *     .heartbeat(Duration.ofSeconds(15), Duration.ofSeconds(45))
 *     .outboxLimits(OutboxLimits.DEFAULT.withMaxBytes(256 * 1024))
 *     .listener(myListener)
 *     .build();
 * }</pre>
 */
public final class Broadcasters {

  private Broadcasters() {}

  /** The baseline: each client in turn, the publisher waits; see the class table. */
  public static Broadcaster sequential() {
    return Preset.SEQUENTIAL.newBuilder().build();
  }

  /** Every send at once, each with a 5 s timeout; see the class table. */
  public static Broadcaster concurrent() {
    return Preset.CONCURRENT.newBuilder().build();
  }

  /** Coalesced per session, self-clocked flushes at most every 16 ms, concurrent delivery. */
  public static Broadcaster batched() {
    return Preset.BATCHED.newBuilder().build();
  }

  /** Bounded per-client outboxes with conflation; see the class table. */
  public static Broadcaster backpressure() {
    return Preset.BACKPRESSURE.newBuilder().build();
  }

  /** Backpressure paced by consumption: the recommended default; see the class table. */
  public static Broadcaster production() {
    return Preset.PRODUCTION.newBuilder().build();
  }

  /** Returns a builder with the defaults of {@link #concurrent()}. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** The named presets, as builders the caller may refine before {@code build()}. */
  public enum Preset {
    /** See {@link Broadcasters#sequential()}. */
    SEQUENTIAL {
      @Override
      Builder configure(Builder builder) {
        return builder.sequential();
      }
    },
    /** See {@link Broadcasters#concurrent()}. */
    CONCURRENT {
      @Override
      Builder configure(Builder builder) {
        return builder;
      }
    },
    /** See {@link Broadcasters#batched()}. */
    BATCHED {
      @Override
      Builder configure(Builder builder) {
        return builder.batchInterval(DEFAULT_BATCH_INTERVAL);
      }
    },
    /** See {@link Broadcasters#backpressure()}. */
    BACKPRESSURE {
      @Override
      Builder configure(Builder builder) {
        return builder
            .outboxLimits(OutboxLimits.DEFAULT)
            .overflowPolicy(OverflowPolicy.CONFLATE)
            .sendTimeout(OutboxLimits.DEFAULT.grace());
      }
    },
    /** See {@link Broadcasters#production()}. */
    PRODUCTION {
      @Override
      Builder configure(Builder builder) {
        return BACKPRESSURE.configure(builder).paced();
      }
    };

    abstract Builder configure(Builder builder);

    /** Returns a new builder set up as this preset. */
    public Builder newBuilder() {
      return configure(new Builder());
    }

    /** Returns whether this preset coalesces updates into batches on a flush clock. */
    public boolean isBatched() {
      return this == BATCHED;
    }

    /** Returns whether this preset paces each client by what it has consumed. */
    public boolean isPaced() {
      return this == PRODUCTION;
    }

    /** Returns whether this preset bounds each client's outbox (and so has an overflow policy). */
    public boolean isBounded() {
      return this == BACKPRESSURE || this == PRODUCTION;
    }
  }

  /** One animation frame: the batched presets' minimum interval between flushes. */
  static final Duration DEFAULT_BATCH_INTERVAL = Duration.ofMillis(16);

  /** How long an update may wait behind a flush that a stalled client holds up. */
  static final Duration DEFAULT_MAX_BATCH_DELAY = Duration.ofMillis(250);

  /**
   * The one builder of broadcasters. Each option is validated when set, and the message names it;
   * combinations are checked by {@link #build()}. Setting an option again replaces it, so a
   * preset's builder can be refined. Not thread-safe; a built broadcaster is.
   */
  public static final class Builder {

    boolean sequential;
    MessageCodec codec = MessageCodec.json();
    Ticker ticker = Ticker.systemTicker();
    Scheduler scheduler;
    Duration sendTimeout = Duration.ofSeconds(5);
    OutboxLimits outboxLimits = OutboxLimits.UNBOUNDED;
    OverflowPolicy overflowPolicy = OverflowPolicy.CONFLATE;
    boolean overflowPolicySet;
    Duration batchInterval;
    Duration maxBatchDelay;
    int maxBatchEntries = Integer.MAX_VALUE;
    boolean paced;
    DoubleSupplier cpuLoad = Builder::processCpuLoad; // A seam for tests; see FrameBudget.
    Duration pingInterval;
    Duration silenceTimeout;
    Duration slowBroadcastThreshold = Duration.ofMillis(100);
    BroadcastListener listener = BroadcastListener.NONE;
    Function<SessionUpdate, String> topicOf;

    private Builder() {}

    /**
     * Makes the publisher send to each client in turn and wait for each send to complete (at most
     * the send timeout). The baseline to measure against; cannot be batched.
     */
    public Builder sequential() {
      this.sequential = true;
      return this;
    }

    /** Sets the codec; default {@link MessageCodec#json()}. */
    public Builder codec(MessageCodec codec) {
      this.codec = Checks.requireNonNull("codec", codec);
      return this;
    }

    /** Sets the clock for every timeout and latency; default {@link Ticker#systemTicker()}. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.requireNonNull("ticker", ticker);
      return this;
    }

    /**
     * Sets the scheduler for flushes, timeouts and heartbeats. Default: one daemon thread of the
     * broadcaster's own, stopped by {@link Broadcaster#close()}.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Checks.requireNonNull("scheduler", scheduler);
      return this;
    }

    /**
     * Sets how long one send may stay in flight before its client is closed with {@link
     * CloseReason#SEND_TIMEOUT}; default 5 s (30 s in the backpressure presets). Checked by a sweep
     * every quarter of the shortest deadline (at most 1 s), so a hung send is closed even if
     * nothing else is ever published.
     */
    public Builder sendTimeout(Duration sendTimeout) {
      this.sendTimeout = Checks.requirePositive("sendTimeout", sendTimeout);
      return this;
    }

    /**
     * Bounds each client's outbox; default {@link OutboxLimits#UNBOUNDED} ({@link
     * OutboxLimits#DEFAULT} in the backpressure presets).
     */
    public Builder outboxLimits(OutboxLimits outboxLimits) {
      this.outboxLimits = Checks.requireNonNull("outboxLimits", outboxLimits);
      return this;
    }

    /** Sets what an outbox does at its limit; default {@link OverflowPolicy#CONFLATE}. */
    public Builder overflowPolicy(OverflowPolicy overflowPolicy) {
      this.overflowPolicy = Checks.requireNonNull("overflowPolicy", overflowPolicy);
      this.overflowPolicySet = true;
      return this;
    }

    /**
     * Coalesces updates per session into {@code batch_update} frames, self-clocked: a flush starts
     * once the previous one has reached the socket of every client that was ready for it and at
     * least {@code batchInterval} after the previous one started. Quiet, an update leaves at once;
     * under load, flushes lengthen by themselves and coalesce more. Default off; one animation
     * frame, 16 ms, in the batched presets (a client then gets at most about 60 frames a second, as
     * many as a browser draws).
     */
    public Builder batchInterval(Duration batchInterval) {
      this.batchInterval = Checks.requirePositive("batchInterval", batchInterval);
      return this;
    }

    /**
     * The longest an update waits for its flush to start while an earlier flush is still on its way
     * to a client that stalled on it; default 250 ms (or {@code batchInterval}, if longer). Only
     * with {@link #batchInterval}.
     */
    public Builder maxBatchDelay(Duration maxBatchDelay) {
      this.maxBatchDelay = Checks.requirePositive("maxBatchDelay", maxBatchDelay);
      return this;
    }

    /**
     * Paces each client by what it has consumed, not by what its socket took: a client is sent a
     * data frame only once it has proven it consumed the one before (a window of one frame).
     * Meanwhile it keeps a cursor into the broadcaster's change log, and gets everything that
     * changed, latest state per session, as one frame when the proof arrives: an idle client gets
     * an update at once, a busy one one frame per round trip, and no client's backlog waits in
     * kernel buffers where nothing can see it. A server-wide guard caps paced frames a second,
     * clients taking turns, while this process saturates the CPU.
     *
     * <p>The proof is a WebSocket pong answering a ping sent after the frames ({@link
     * Client#ping()}), or, for a client that {@link Client#acknowledges()}, its own acknowledgement
     * ({@link Broadcaster#onAck}). A client whose transport has no pings is paced by its send
     * completions, as without this option; until a client first proves anything, a frame it has not
     * proven within a second counts as consumed. Needs {@link #outboxLimits}: what may still queue
     * for a client (a pong, a snapshot, a frame offered while its window was open) is bounded by
     * them, and past them the overflow policy applies. Default off; on in the production preset.
     */
    public Builder paced() {
      this.paced = true;
      return this;
    }

    /** Caps the sessions in one batch frame; a larger flush is split. Default: no cap. */
    public Builder maxBatchEntries(int maxBatchEntries) {
      this.maxBatchEntries = (int) Checks.requirePositive("maxBatchEntries", maxBatchEntries);
      return this;
    }

    /**
     * Turns heartbeats on: every {@code interval} each client gets a transport ping ({@link
     * Client#ping()}), and a client not heard from ({@link Broadcaster#onPong}, {@link
     * Broadcaster#onPing}) for {@code silenceTimeout} is closed with {@link
     * CloseReason#UNRESPONSIVE}. Default off.
     */
    public Builder heartbeat(Duration interval, Duration silenceTimeout) {
      Duration checkedInterval = Checks.requirePositive("heartbeat interval", interval);
      Duration checkedSilence = Checks.requirePositive("heartbeat silenceTimeout", silenceTimeout);
      if (checkedSilence.compareTo(checkedInterval) <= 0) {
        throw new IllegalArgumentException(
            "heartbeat silenceTimeout : "
                + silenceTimeout
                + " (expected: > interval "
                + interval
                + ")");
      }
      this.pingInterval = checkedInterval;
      this.silenceTimeout = checkedSilence;
      return this;
    }

    /**
     * Sets how long a broadcast may take, from publish until its last client's send completes,
     * before a warning is logged naming the slowest client (at most one a second; the listener
     * hears of every one); default 100 ms.
     */
    public Builder slowBroadcastThreshold(Duration threshold) {
      this.slowBroadcastThreshold = Checks.requirePositive("slowBroadcastThreshold", threshold);
      return this;
    }

    /** Sets the listener; default {@link BroadcastListener#NONE}. */
    public Builder listener(BroadcastListener listener) {
      this.listener = Checks.requireNonNull("listener", listener);
      return this;
    }

    /**
     * Sorts sessions into topics: {@code topicOf} reads the topic of each live update (a removal
     * keeps the topic its session had), or returns null for none. A client then receives only the
     * sessions of its {@link Client#topics()}; a session whose topic changes reaches the clients of
     * the new one whole and leaves those of the old one as a removal, at its version. Each publish
     * is encoded once per distinct {@link Topics} of the clients it concerns, and not at all for
     * topics nobody receives.
     *
     * <p>The function is called under the registry lock, once per update: keep it a quick, pure
     * read of the state (a field, a path). One that throws is counted as a fault and puts the
     * session in no topic. Default: none, every session in no topic, which only clients of {@link
     * Topics#all()} (the default) receive.
     *
     * <pre>{@code
     * Broadcaster broadcaster = Broadcasters.Preset.PRODUCTION.newBuilder()
     *     .topics(update -> update.state().path("owner").asString(null))
     *     .build();
     * }</pre>
     */
    public Builder topics(Function<SessionUpdate, String> topicOf) {
      this.topicOf = Checks.requireNonNull("topicOf", topicOf);
      return this;
    }

    /**
     * Checks the combination of options and builds the broadcaster.
     *
     * @throws IllegalStateException if the options contradict each other; the message names them
     */
    public Broadcaster build() {
      Checks.requireState(
          !(sequential && batchInterval != null),
          "sequential() cannot be combined with batchInterval (%s): a sequential flush would"
              + " block the scheduler thread that times out its sends",
          batchInterval);
      Checks.requireState(
          maxBatchDelay == null || batchInterval != null,
          "maxBatchDelay (%s) needs batchInterval: only batching waits for a flush",
          maxBatchDelay);
      Checks.requireState(
          maxBatchDelay == null || maxBatchDelay.compareTo(batchInterval) >= 0,
          "maxBatchDelay (%s) must be at least batchInterval (%s)",
          maxBatchDelay,
          batchInterval);
      Checks.requireState(
          !(sequential && outboxLimits != OutboxLimits.UNBOUNDED),
          "sequential() cannot be combined with outboxLimits (%s): its publisher waits for every"
              + " send, so nothing ever queues",
          outboxLimits);
      Checks.requireState(
          !(paced && outboxLimits == OutboxLimits.UNBOUNDED),
          "paced() needs outboxLimits: a client's coalesced state is bounded by them");
      Checks.requireState(
          !(sequential && paced),
          "sequential() cannot be combined with paced(): its publisher waits for every send");
      Checks.requireState(
          !(overflowPolicySet && outboxLimits == OutboxLimits.UNBOUNDED),
          "overflowPolicy (%s) needs outboxLimits: an unbounded outbox never overflows",
          overflowPolicy);
      Scheduler chosen = scheduler;
      Runnable onClose = () -> {};
      if (chosen == null) {
        ScheduledThreadPoolExecutor executor = newSchedulerThread();
        chosen = Scheduler.forExecutor(executor);
        onClose = executor::shutdownNow;
      }
      FanoutBroadcaster engine = new FanoutBroadcaster(this, chosen, onClose);
      if (batchInterval == null) {
        return engine;
      }
      Duration maxDelay = maxBatchDelay;
      if (maxDelay == null) {
        maxDelay =
            batchInterval.compareTo(DEFAULT_MAX_BATCH_DELAY) > 0
                ? batchInterval
                : DEFAULT_MAX_BATCH_DELAY;
      }
      return new BatchingBroadcaster(engine, chosen, batchInterval, maxDelay, maxBatchEntries);
    }

    /**
     * Sets where the server-wide guard reads this process's CPU load (0 to 1); for tests, which
     * play a saturated server. Default: the operating system's, through {@code com.sun.management}.
     */
    Builder cpuLoad(DoubleSupplier cpuLoad) {
      this.cpuLoad = Checks.requireNonNull("cpuLoad", cpuLoad);
      return this;
    }

    /**
     * This process's recent share of the machine's CPU, 0 to 1 (1: every core busy with it), or 0
     * where the platform cannot tell.
     */
    static double processCpuLoad() {
      double load = OS == null ? -1 : OS.getProcessCpuLoad();
      return load >= 0 ? load : 0;
    }

    private static final OperatingSystemMXBean OS = operatingSystem();

    private static OperatingSystemMXBean operatingSystem() {
      try {
        return ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
      } catch (RuntimeException e) {
        return null; // Not HotSpot's: no load, and the guard never limits.
      }
    }

    private static final AtomicInteger schedulerThreads = new AtomicInteger();

    private static ScheduledThreadPoolExecutor newSchedulerThread() {
      String name = "broadcast-scheduler-" + schedulerThreads.incrementAndGet();
      ScheduledThreadPoolExecutor executor =
          new ScheduledThreadPoolExecutor(
              1,
              task -> {
                Thread thread = new Thread(task, name);
                thread.setDaemon(true);
                return thread;
              });
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }

    @Override
    public String toString() {
      return "Broadcasters.Builder[sequential="
          + sequential
          + ", sendTimeout="
          + sendTimeout
          + ", outboxLimits="
          + outboxLimits
          + ", overflowPolicy="
          + overflowPolicy
          + ", batchInterval="
          + batchInterval
          + ", maxBatchEntries="
          + maxBatchEntries
          + ", paced="
          + paced
          + ", heartbeat="
          + pingInterval
          + "/"
          + silenceTimeout
          + ", slowBroadcastThreshold="
          + slowBroadcastThreshold
          + "]";
    }
  }
}
