package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.FaultyCodec.Kind;
import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Seeded randomized interleavings over every preset, every overflow policy, paced or not, and a
 * range of limits, on the fake clock, with faults injected: clients that complete inside {@code
 * send}, hold their send until the test completes it (in any order across clients), fail, throw, or
 * never complete; clients that prove what they consumed by pongs, by acks or not at all, whose
 * proofs come early, late, never, stale or out of order with the sends; a codec that fails now and
 * then; a listener that throws. After every step it checks every promise the README makes:
 *
 * <ul>
 *   <li>bytes held per client (its queued frames; a client behind keeps only a cursor) are within
 *       {@code maxBytes}, and frames within {@code maxFrames}; an outbox with work has a send in
 *       flight or waits for its client's proof of consumption (no lost wake-up);
 *   <li>a paced client is sent a data frame only once the one before it was proven consumed (or,
 *       before its first proof, a second after it);
 *   <li>{@code initial_state} comes first; versions never go backwards, tombstones included; one
 *       send in flight; nothing reaches a client after it was unregistered;
 *   <li>an owed {@code pong} is never overtaken by an update;
 *   <li>snapshot-then-live is exact (per session, the same versions in the same order as a
 *       reference client that was registered from the start) for every unpaced client that never
 *       overflowed, and a subsequence of it for a paced one;
 *   <li>every close has its reason: a send timeout only after the send was held past the timeout,
 *       too slow only when the client was not caught up for the grace (or, unpaced, while a send
 *       was held), unresponsive only after the silence; and a held send or a silent client is
 *       closed within one sweep of its deadline;
 *   <li>no send, close or ping under a library lock; every injected exception is counted once as a
 *       fault; the registry holds exactly the open clients;
 *   <li>at quiescence every open client, the reference and a newly registered client hold the same
 *       view, which is the model's when no update was lost to an injected codec fault.
 * </ul>
 *
 * <p>A failure names its seed, the configuration and the operations that led to it; the invariants
 * are checked after every step, so the trace ends at the first broken promise.
 *
 * <p>Why seeded JUnit loops and not jqwik: the whole run is a function of one {@code long}, on a
 * fake clock and a manual scheduler, so a seed replays exactly and needs no extra test engine on
 * the JUnit platform; the first failing step is already the shortest failing prefix of that seed,
 * which is most of what shrinking would give here; and a run is sized by a count of seeds from the
 * command line, the same on every machine.
 *
 * <pre>
 * # CI size (about 30 s on the 2-core build machine):
 * mvn -B -pl broadcast-core test -Dtest=BroadcasterPropertyTest
 * # a long run from a random first seed:
 * mvn -B -pl broadcast-core test -Dtest=BroadcasterPropertyTest \
 *     -Dproperty.seeds=200000 -Dproperty.firstSeed=$RANDOM$RANDOM
 * # replay one seed:
 * mvn -B -pl broadcast-core test -Dtest=BroadcasterPropertyTest \
 *     -Dproperty.seeds=1 -Dproperty.firstSeed=SEED
 * </pre>
 */
final class BroadcasterPropertyTest {

  private static final int DEFAULT_SEEDS = 5_000;
  // The engine logs every contained fault; here they are counted and checked instead.
  private static final Logger engineLog = Logger.getLogger(Broadcaster.class.getName());
  private static Level engineLevel;

  @BeforeAll
  static void quietEngineLog() {
    engineLevel = engineLog.getLevel();
    engineLog.setLevel(Level.OFF);
  }

  @AfterAll
  static void restoreEngineLog() {
    engineLog.setLevel(engineLevel);
  }

  @Test
  void randomInterleavings_keepEveryPromise() {
    long first = Long.getLong("property.firstSeed", 1);
    int seeds = Integer.getInteger("property.seeds", DEFAULT_SEEDS);
    long operations = 0;
    long patches = 0;
    long resumes = 0;
    long subscriptions = 0;
    long scoped = 0;
    long started = System.nanoTime();
    for (long seed = first; seed < first + seeds; seed++) {
      Scenario scenario = new Scenario(seed);
      try {
        operations += scenario.run();
        patches += scenario.patches;
        resumes += scenario.resumes;
        subscriptions += scenario.subscriptions;
        scoped += scenario.scoped;
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            "seed "
                + seed
                + " broke a promise (replay: -Dproperty.firstSeed="
                + seed
                + " -Dproperty.seeds=1): "
                + e.getMessage()
                + "\n"
                + scenario.describe(),
            e);
      }
    }
    System.out.printf(
        "BroadcasterPropertyTest: %d seeds from %d, %d operations, %d patches applied, %d resumes,"
            + " %d clients of some topics, %d subscriptions, %.1f s%n",
        seeds,
        first,
        operations,
        patches,
        resumes,
        scoped,
        subscriptions,
        (System.nanoTime() - started) / 1e9);
    if (seeds >= 100) { // The run exercised both, so their checks above could fail.
      assertThat(patches).as("patches applied over the run").isPositive();
      assertThat(resumes).as("resumed initial_states over the run").isPositive();
      assertThat(scoped).as("clients of some topics over the run").isPositive();
      assertThat(subscriptions).as("subscriptions over the run").isPositive();
    }
  }

  /** One seeded run: a configuration, a client population and a sequence of operations. */
  static final class Scenario {

    private static final ObjectMapper mapper = new ObjectMapper();
    private static final MessageCodec measure = MessageCodec.json();
    private static final int MAX_CLIENTS = 8;
    // -Dproperty.verbose=true adds every client's state to the trace after every step.
    private static final boolean VERBOSE = Boolean.getBoolean("property.verbose");

    private final long seed;
    private final Random random;
    private final Random listenerRandom;
    private final FakeTicker ticker = new FakeTicker();
    private final ManualScheduler scheduler = new ManualScheduler(ticker);
    private final FaultyCodec codec = new FaultyCodec();
    private final List<String> violations = new ArrayList<>();
    private final ArrayDeque<String> trace = new ArrayDeque<>();
    private final StringBuilder config = new StringBuilder();

    // Configuration.
    private Broadcasters.Preset preset;
    private boolean bounded;
    private OutboxLimits limits = OutboxLimits.UNBOUNDED;
    private OverflowPolicy policy;
    private long sendTimeoutNanos;
    private long silenceNanos; // 0 without heartbeats.
    private long pingIntervalNanos;
    private long sweepNanos;
    private long batchNanos; // 0 when not batched.
    private boolean faults; // Whether this scenario injects exceptions.
    private boolean paced;
    private double load; // This server's CPU load, as the server-wide guard reads it.
    private int sessions;

    private Broadcaster broadcaster;
    private FanoutBroadcaster engine;
    private ProbeClient reference;
    long patches; // Applied by this scenario's clients, counted at quiescence.
    long resumes;
    private final List<ProbeClient> alive = new ArrayList<>(); // Registered, not yet closed.
    private final Map<ProbeClient, Meta> meta = new LinkedHashMap<>(); // In registration order.
    private final Map<String, Integer> drops = new HashMap<>();
    private int listenerThrows;
    private int clientNumber;
    private boolean closing;

    // The model: per session, the highest version published and whether it removed the session.
    private final Map<String, Long> modelVersions = new HashMap<>();
    private final Set<String> modelRemoved = new HashSet<>();
    private long nextVersion;
    private boolean updatesMayBeLost; // A codec fault was armed that can discard an update.
    // Topics: whether sessions are sorted into them (by their state's "topic"), each session's
    // topic now (absent: none) and every topic it was ever in ("" for none).
    private boolean topicsOn;
    private final Map<String, String> modelTopic = new HashMap<>();
    // Per session, its runs in one topic and one state, live or removed: from which version.
    private final Map<String, List<Run>> modelRuns = new HashMap<>();

    /** From version {@code from} on, a session was in {@code topic} ("" for none), live or not. */
    private record Run(long from, String topic, boolean live) {}

    private boolean quiescing; // Clients registered now receive every topic.
    long subscriptions;
    long scoped; // Clients that received some topics only, counted at quiescence.
    private int steps;
    private long actions; // Every call into the broadcaster and every close seen, as traced.

    /** What the test knows of one client beyond what it saw. */
    private static final class Meta {
      int referenceStart; // The reference's live entries at registration.
      boolean scoped; // Its topics are not all, now or once: not comparable with the reference.
      // Every Topics it received, with the version of each session the view held then.
      final List<Map.Entry<Topics, Map<String, Long>>> watches = new ArrayList<>();
      // Sessions sent while it received every topic: removals of any session come then.
      final Set<String> mentionedWhileAll = new HashSet<>();
      long lastHeardNanos;
      long caughtUpNanos;
      boolean responsive = true;
    }

    Scenario(long seed) {
      this.seed = seed;
      this.random = new Random(seed);
      this.listenerRandom = new Random(~seed);
    }

    String describe() {
      return "config: "
          + config
          + "\nlast "
          + trace.size()
          + " of "
          + steps
          + " steps:\n  "
          + String.join("\n  ", trace);
    }

    private void log(String what) {
      actions++;
      trace.addLast("t=" + (ticker.read() - 1_000_000_000L) / 1_000_000 + "ms " + what);
      if (trace.size() > 120) {
        trace.removeFirst();
      }
    }

    /** Runs the scenario; returns the number of actions it took. */
    long run() {
      configure();
      reference = register(/* hold= */ false, ProbeClient.Proof.NONE); // Takes every broadcast.
      int operations = 50 + random.nextInt(400);
      for (int i = 0; i < operations; i++) {
        steps++;
        step();
        check();
      }
      quiesce();
      return actions;
    }

    private void configure() {
      Broadcasters.Preset[] presets = Broadcasters.Preset.values();
      preset = presets[random.nextInt(presets.length)];
      Broadcasters.Builder builder = preset.newBuilder();
      bounded =
          preset == Broadcasters.Preset.BACKPRESSURE
              || preset == Broadcasters.Preset.PRODUCTION
              || (preset != Broadcasters.Preset.SEQUENTIAL && random.nextInt(3) == 0);
      if (bounded) {
        long maxBytes = 150 + (long) Math.pow(20_000, random.nextDouble());
        limits = new OutboxLimits(maxBytes, 1 + random.nextInt(12), millis(500, 20_000));
        OverflowPolicy[] policies = OverflowPolicy.values();
        policy = policies[random.nextInt(policies.length)];
        builder.outboxLimits(limits).overflowPolicy(policy);
        paced = preset.isPaced() || random.nextInt(3) == 0;
        if (paced) {
          builder.paced();
        }
      }
      Duration sendTimeout = millis(300, 40_000);
      builder.sendTimeout(sendTimeout);
      sendTimeoutNanos = sendTimeout.toNanos();
      if (random.nextBoolean()) {
        Duration interval = millis(500, 10_000);
        Duration silence = interval.plus(millis(1, 2 * interval.toMillis()));
        builder.heartbeat(interval, silence);
        silenceNanos = silence.toNanos();
        pingIntervalNanos = interval.toNanos();
      }
      if (preset.isBatched()) {
        Duration interval = Duration.ofMillis(new int[] {16, 50, 200}[random.nextInt(3)]);
        builder.batchInterval(interval);
        batchNanos = interval.toNanos();
        int[] caps = {1, 2, 3, 5, Integer.MAX_VALUE};
        builder.maxBatchEntries(caps[random.nextInt(caps.length)]);
      }
      builder.slowBroadcastThreshold(millis(1, 500));
      faults = random.nextBoolean();
      topicsOn = random.nextBoolean();
      if (topicsOn) {
        builder.topics(update -> update.state().path("topic").asString(null));
      }
      sessions = 1 + random.nextInt(12);
      sweepNanos = FanoutBroadcaster.sweepInterval(builder).toNanos();
      config
          .append(builder)
          .append(", sessions=")
          .append(sessions)
          .append(", faults=")
          .append(faults)
          .append(", topics=")
          .append(topicsOn);
      broadcaster =
          builder
              .cpuLoad(() -> load)
              .codec(codec)
              .ticker(ticker)
              .scheduler(scheduler)
              .listener(listener())
              .build();
      engine =
          broadcaster instanceof BatchingBroadcaster
              ? ((BatchingBroadcaster) broadcaster).engine()
              : (FanoutBroadcaster) broadcaster;
    }

    private Duration millis(long from, long to) {
      return Duration.ofMillis(from + (long) (random.nextDouble() * (to - from)));
    }

    private BroadcastListener listener() {
      return new BroadcastListener() {
        @Override
        public void clientClosed(String clientId, CloseReason reason) {
          maybeThrow("clientClosed");
        }

        @Override
        public void updatesDropped(String clientId, OverflowPolicy policy, int updates) {
          drops.merge(clientId, updates, Integer::sum);
          maybeThrow("updatesDropped");
        }

        @Override
        public void slowBroadcast(String slowestClientId, Duration took, int clients) {
          maybeThrow("slowBroadcast");
        }
      };
    }

    private void maybeThrow(String method) {
      if (LockProbe.locked(broadcaster)) {
        violations.add("listener " + method + " called under a library lock");
      }
      if (faults && listenerRandom.nextInt(10) == 0) {
        listenerThrows++;
        throw new IllegalStateException("injected listener failure in " + method);
      }
    }

    // Operations.

    private void step() {
      int roll = random.nextInt(100);
      if (roll < 28) {
        publish(/* tombstone= */ false);
      } else if (roll < 32) {
        publish(/* tombstone= */ true);
      } else if (roll < 35) {
        publishStale();
      } else if (roll < 40) {
        if (alive.size() < MAX_CLIENTS) {
          ProbeClient.Proof[] proofs = ProbeClient.Proof.values();
          register(!sequential() && random.nextBoolean(), proofs[random.nextInt(proofs.length)]);
        }
      } else if (roll < 41) {
        unregister();
      } else if (roll < 42) {
        reconnect();
      } else if (roll < 45) {
        ping();
      } else if (roll < 50) {
        if (random.nextInt(6) == 0) {
          stalePong();
        } else {
          pong();
        }
      } else if (roll < 53) {
        ack();
      } else if (roll < 64) {
        completeHeld(/* ok= */ true);
      } else if (roll < 66) {
        completeHeld(/* ok= */ false);
      } else if (roll < 70) {
        changeBehaviour();
      } else if (roll < 73) {
        if (topicsOn) {
          subscribe();
        } else {
          changeBehaviour();
        }
        changeBehaviour();
      } else if (roll < 87) {
        advance();
      } else if (roll < 89) {
        armCodecFault();
      } else if (roll < 90) {
        BroadcastStats stats = broadcaster.stats();
        log("stats: clients=" + stats.clients() + " queued=" + stats.queuedBytes());
      } else if (roll < 91) {
        load = load > 0.5 ? 0.2 : 0.97;
        log(load > 0.5 ? "the server saturates the CPU" : "the CPU is relieved");
      } else {
        int burst = 2 + random.nextInt(30);
        log("burst of " + burst);
        for (int i = 0; i < burst; i++) {
          publish(random.nextInt(15) == 0);
        }
      }
    }

    private boolean sequential() {
      return preset == Broadcasters.Preset.SEQUENTIAL;
    }

    private String anySession() {
      return "s" + random.nextInt(sessions);
    }

    private void publish(boolean tombstone) {
      String sessionId = anySession();
      long version = ++nextVersion;
      SessionUpdate update;
      if (tombstone) {
        update = SessionUpdate.tombstone(sessionId, version);
        modelRemoved.add(sessionId);
        recordTopic(sessionId, version, false); // A removal keeps the topic.
      } else {
        int size = random.nextInt(10) == 0 ? random.nextInt(4_000) : random.nextInt(80);
        if (topicsOn && random.nextInt(5) == 0) {
          String[] topics = {"A", "B", "C", null};
          String moved = topics[random.nextInt(topics.length)];
          if (moved == null) {
            modelTopic.remove(sessionId);
          } else {
            modelTopic.put(sessionId, moved);
          }
        }
        update = SessionUpdate.of(sessionId, version, state(sessionId, version, size));
        recordTopic(sessionId, version, true);
        modelRemoved.remove(sessionId);
      }
      modelVersions.put(sessionId, version);
      log(
          "publish "
              + update
              + (tombstone
                  ? ""
                  : " of " + update.state().path("task").asString().length() + " chars"));
      broadcaster.publish(update);
    }

    private ObjectNode state(String sessionId, long version, int taskChars) {
      ObjectNode state =
          mapper.createObjectNode().put("n", version).put("task", "t".repeat(taskChars));
      String topic = modelTopic.get(sessionId);
      return topic == null ? state : state.put("topic", topic);
    }

    private void recordTopic(String sessionId, long version, boolean live) {
      String topic = modelTopic.getOrDefault(sessionId, "");
      List<Run> runs = modelRuns.computeIfAbsent(sessionId, id -> new ArrayList<>());
      Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
      if (last == null || !last.topic().equals(topic) || last.live() != live) {
        runs.add(new Run(version, topic, live));
      }
    }

    /** A random choice of topics for a client: all of them in a third of the cases. */
    private Topics anyTopics() {
      switch (random.nextInt(9)) {
        case 0:
        case 1:
        case 2:
          return Topics.all();
        case 3:
          return Topics.of("A");
        case 4:
          return Topics.of("A", "B");
        case 5:
          return Topics.of("C", "D");
        case 6:
          return Topics.matching("?");
        case 7:
          return Topics.matching("B*");
        default:
          return Topics.none();
      }
    }

    /** A client changes its topics: a new initial_state of them, then their updates. */
    private void subscribe() {
      ProbeClient client = anyAlive(false);
      if (client == null) {
        return;
      }
      Topics topics = anyTopics();
      log("subscribe " + client + " to " + topics);
      Meta m = meta.get(client);
      if (client.topics().isAll()) {
        m.mentionedWhileAll.addAll(client.mentioned());
      }
      m.scoped = true;
      m.watches.add(Map.entry(topics, engine.viewVersions()));
      subscriptions++;
      client.subscribed(topics); // Before the call: the new initial_state may be sent inside it.
      broadcaster.subscribe(client, topics);
    }

    /**
     * Every session a client was ever sent (a removal included) was live in one of its topics while
     * it received them (in the view when it asked for them, or later): it never learns of a session
     * outside its topics, nor of one that was removed from them before it came.
     */
    private void checkNeverOutside(ProbeClient client, Meta m) {
      if (!m.scoped) {
        return;
      }
      Set<String> mentioned = client.mentioned();
      if (client.topics().isAll()) {
        m.mentionedWhileAll.addAll(mentioned);
      }
      mentioned.removeAll(m.mentionedWhileAll);
      for (String id : mentioned) {
        List<Run> runs = modelRuns.getOrDefault(id, List.of());
        boolean inside = false;
        for (int i = 0; i < runs.size() && !inside; i++) {
          Run run = runs.get(i);
          long until = i + 1 < runs.size() ? runs.get(i + 1).from() : Long.MAX_VALUE;
          for (Map.Entry<Topics, Map<String, Long>> watch : m.watches) {
            // Live in its topics in the view when it asked for them, or at any time after.
            inside |=
                run.live()
                    && until > watch.getValue().getOrDefault(id, 0L)
                    && watch.getKey().includes(run.topic().isEmpty() ? null : run.topic());
          }
        }
        if (!inside) {
          violations.add(
              client + " was sent " + id + ", whose runs " + runs + " are outside " + m.watches);
        }
      }
    }

    private void publishStale() {
      String sessionId = anySession();
      Long current = modelVersions.get(sessionId);
      if (current == null) {
        return;
      }
      long version = 1 + (long) (random.nextDouble() * current); // At most the current one.
      log("publish stale " + sessionId + " v" + version + " (current v" + current + ")");
      broadcaster.publish(SessionUpdate.of(sessionId, version, state(sessionId, version, 5)));
    }

    private ProbeClient register(boolean hold, ProbeClient.Proof proof) {
      return register(hold, proof, null, null);
    }

    /**
     * Registers a client; one in two takes patches. With {@code previous}, the new client continues
     * that one's view and resumes from it, as a page that reconnects does (in {@code epoch} if
     * non-null: a point from another broadcaster, which must be sent the whole view).
     */
    private ProbeClient register(
        boolean hold, ProbeClient.Proof proof, ProbeClient previous, String epoch) {
      ProbeClient client =
          new ProbeClient("c" + clientNumber++, broadcaster, ticker, violations, proof, paced);
      if (client != reference && reference != null && random.nextBoolean()) {
        client.takePatches();
      }
      if (previous != null) {
        client.resume(previous, epoch);
      }
      client.hold = hold;
      client.sendsThenPings = random.nextBoolean();
      Meta m = new Meta();
      if (previous != null) { // It continues that one's view, with its topics.
        Meta before = meta.get(previous);
        m.scoped = before.scoped;
        // A resume's cursor is one the client is surely past, possibly long before it came: a
        // session in its topics since then may be sent (a removal, conservatively), so its topics
        // count from the start.
        for (Map.Entry<Topics, Map<String, Long>> watch : before.watches) {
          m.watches.add(Map.entry(watch.getKey(), Map.of()));
        }
        m.mentionedWhileAll.addAll(before.mentionedWhileAll);
      } else if (topicsOn && reference != null && !quiescing) {
        Topics topics = anyTopics();
        client.watch(topics);
        m.scoped = !topics.isAll();
        m.watches.add(Map.entry(topics, engine.viewVersions()));
      }
      m.referenceStart = reference == null ? 0 : reference.live().size();
      m.lastHeardNanos = ticker.read();
      m.caughtUpNanos = ticker.read();
      meta.put(client, m);
      alive.add(client);
      log(
          "register "
              + client
              + " ("
              + proof
              + (client.sendsThenPings ? ", pings with frames" : "")
              + (client.receivesPatches() ? ", takes patches" : "")
              + (client.resumeFrom() != null ? ", resumes from " + client.resumeFrom() : "")
              + (client.topics().isAll() ? "" : ", receives " + client.topics())
              + (hold ? ", holds sends)" : ")"));
      broadcaster.register(client);
      return client;
    }

    /**
     * A page reconnects: one client goes, and a new one continues its view from where it left off,
     * sometimes with an epoch of elsewhere. Either way it must end with the broadcaster's view; a
     * foreign epoch must get the whole view.
     */
    private void reconnect() {
      ProbeClient previous = anyAlive(false);
      if (previous == null || sequential()) {
        return;
      }
      log("reconnect " + previous);
      broadcaster.unregister(previous);
      previous.unregistered = true;
      alive.remove(previous);
      boolean foreign = random.nextInt(4) == 0;
      ProbeClient.Proof[] proofs = ProbeClient.Proof.values();
      ProbeClient client =
          register(
              random.nextBoolean(),
              proofs[random.nextInt(proofs.length)],
              previous,
              foreign ? "elsewhere" : null);
      if (foreign && client.resumes() > 0) {
        violations.add(client + ": resumed from a foreign epoch");
      }
    }

    private ProbeClient anyAlive(boolean orReference) {
      List<ProbeClient> candidates = new ArrayList<>(alive);
      if (!orReference) {
        candidates.remove(reference);
      }
      candidates.removeIf(c -> c.closeReason != null);
      return candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
    }

    private void unregister() {
      ProbeClient client = anyAlive(false);
      if (client == null) {
        return;
      }
      log("unregister " + client);
      broadcaster.unregister(client);
      client.unregistered = true;
      alive.remove(client);
    }

    private void ping() {
      ProbeClient client = anyAlive(false);
      if (client == null) {
        return;
      }
      log("ping from " + client);
      client.pongOwed = true; // Before the call: the pong may be sent inside it.
      heard(client);
      broadcaster.onPing(client);
    }

    /** The client answers its latest ping: early (none sent yet), on time, or late. */
    private void pong() {
      ProbeClient client = anyAlive(false);
      if (client == null || !client.answerLatestPing()) {
        return;
      }
      log("pong from " + client);
      heard(client);
      broadcaster.onPong(client);
    }

    /** A pong that answers no ping of ours (unsolicited, or an older one): life, no proof. */
    private void stalePong() {
      ProbeClient client = anyAlive(false);
      if (client == null) {
        return;
      }
      log("stale pong from " + client);
      heard(client);
      broadcaster.onMessage(client);
    }

    /** An acknowledgement: of what it received, or short of it, repeated, or beyond it. */
    private void ack() {
      ProbeClient client = anyAlive(false);
      if (client == null || client.proof != ProbeClient.Proof.ACKS) {
        return;
      }
      int applied =
          switch (random.nextInt(4)) {
            case 0 -> client.dataFrames + 1 + random.nextInt(3); // Beyond what it was sent.
            case 1 -> random.nextInt(client.dataFrames + 1); // Short of it, or repeated.
            default -> client.dataFrames;
          };
      log("ack " + applied + " from " + client + " (received " + client.dataFrames + ")");
      heard(client);
      client.acknowledge(applied);
      broadcaster.onAck(client, applied);
    }

    private void completeHeld(boolean ok) {
      List<ProbeClient> holding = new ArrayList<>();
      for (ProbeClient client : meta.keySet()) {
        if (client.holding()) {
          holding.add(client);
        }
      }
      if (holding.isEmpty()) {
        return;
      }
      holding.sort((a, b) -> a.id.compareTo(b.id)); // HashMap order is not the seed's.
      ProbeClient client = holding.get(random.nextInt(holding.size()));
      log((ok ? "complete" : "fail") + " the held send of " + client);
      if (ok) {
        // A send that waited and then succeeded: the client took our bytes. Before the completion,
        // which may hand over a ping whose wait starts then.
        heard(client);
      }
      client.complete(ok);
    }

    private void changeBehaviour() {
      ProbeClient client = anyAlive(false);
      if (client == null) {
        return;
      }
      int roll = random.nextInt(faults ? 7 : 3);
      switch (roll) {
        case 0:
          client.hold = !sequential() && !client.hold;
          log(client + " now " + (client.hold ? "holds" : "completes") + " sends");
          break;
        case 1:
          meta.get(client).responsive = !meta.get(client).responsive;
          log(
              client
                  + " now "
                  + (meta.get(client).responsive ? "answers" : "ignores")
                  + " heartbeats");
          break;
        case 2:
          client.failNextSend = true;
          log(client + " will fail its next send");
          break;
        case 3:
          client.throwNextSend = true;
          log(client + " will throw from its next send");
          break;
        case 4:
          client.closeThrows = !client.closeThrows;
          log(client + (client.closeThrows ? " throws" : " no longer throws") + " from close");
          break;
        default:
          client.pingThrows = !client.pingThrows;
          log(client + (client.pingThrows ? " throws" : " no longer throws") + " from ping");
          break;
      }
    }

    private void advance() {
      long[] deadlines = {sendTimeoutNanos, limits.grace().toNanos(), silenceNanos};
      long longest = 0;
      for (long deadline : deadlines) {
        if (deadline < Duration.ofDays(1).toNanos()) {
          longest = Math.max(longest, deadline);
        }
      }
      long nanos;
      int roll = random.nextInt(10);
      if (roll < 5) {
        nanos = Duration.ofMillis(1 + random.nextInt(50)).toNanos();
      } else if (roll < 8) {
        nanos = Duration.ofMillis(50 + random.nextInt(950)).toNanos();
      } else {
        nanos = (long) (random.nextDouble() * 1.5 * Math.max(longest, 1_000_000_000L));
      }
      log("advance " + nanos / 1_000_000 + "ms");
      advance(nanos);
    }

    /** Advances time in steps short enough for responsive clients to answer heartbeats. */
    private void advance(long nanos) {
      long chunk = silenceNanos == 0 ? nanos : Math.max(1_000_000, silenceNanos / 4);
      for (long left = nanos; left > 0; ) {
        long step = Math.min(left, chunk);
        scheduler.advance(Duration.ofNanos(step));
        left -= step;
        answerHeartbeats();
        check(); // Each stretch of time is a step of its own.
      }
    }

    /** The client shows a sign of life: it answers every ping sent to it so far. */
    private void heard(ProbeClient client) {
      meta.get(client).lastHeardNanos = ticker.read();
      client.unansweredPingNanos = ProbeClient.NOT_HELD;
    }

    private void answerHeartbeats() {
      if (silenceNanos == 0) {
        return;
      }
      for (ProbeClient client : new ArrayList<>(alive)) {
        if (client.closeReason == null && meta.get(client).responsive) {
          answer(client);
        }
      }
    }

    /** The client answers its latest ping and acknowledges what it received, as a page would. */
    private void answer(ProbeClient client) {
      if (client.answerLatestPing()) {
        heard(client);
        broadcaster.onPong(client);
      }
      if (client.proof == ProbeClient.Proof.ACKS && client.closeReason == null) {
        heard(client);
        client.acknowledge(client.dataFrames);
        broadcaster.onAck(client, client.dataFrames);
      }
    }

    private void armCodecFault() {
      if (!faults) {
        return;
      }
      Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
      int skip = random.nextInt(3); // A skip reaches the re-encoding under the registry lock.
      int count = 1 + random.nextInt(2);
      if (kind == Kind.SESSION_UPDATE || kind == Kind.BATCH_UPDATE) {
        updatesMayBeLost = true;
      }
      log("codec: after " + skip + ", the next " + count + " " + kind + " fail");
      codec.failAfter(kind, skip, count);
    }

    // Invariants.

    private void check() {
      long now = ticker.read();
      for (ProbeClient client : new ArrayList<>(alive)) {
        if (client.closeReason != null) {
          checkClose(client);
          alive.remove(client);
          continue;
        }
        Meta m = meta.get(client);
        if (client.holding() && now - client.heldSinceNanos > sendTimeoutNanos + sweepNanos) {
          violations.add(
              client
                  + ": a send held for "
                  + (now - client.heldSinceNanos) / 1e6
                  + " ms was not timed out (timeout "
                  + sendTimeoutNanos / 1e6
                  + " ms)");
        }
        // Issue 15: silence is held against a client only once a ping reached it, and a ping
        // reaches it whenever nothing of ours is in flight; a silent client is closed once its
        // ping has waited the silence less the interval and it has been silent the silence.
        if (silenceNanos > 0
            && now - m.lastHeardNanos > silenceNanos + sweepNanos
            && client.unansweredPingNanos != ProbeClient.NOT_HELD
            && now - client.unansweredPingNanos > silenceNanos - pingIntervalNanos + sweepNanos) {
          violations.add(
              client
                  + ": silent for "
                  + (now - m.lastHeardNanos) / 1e6
                  + " ms, a ping unanswered for "
                  + (now - client.unansweredPingNanos) / 1e6
                  + " ms, and not closed");
        }
        if (silenceNanos > 0
            && client.proof != ProbeClient.Proof.NONE
            && !client.holding()
            && client.unansweredPingNanos == ProbeClient.NOT_HELD
            && now - Math.max(client.idleSinceNanos, m.lastHeardNanos)
                > pingIntervalNanos + 2 * sweepNanos) {
          violations.add(
              client
                  + ": nothing in flight and silent for "
                  + (now - Math.max(client.idleSinceNanos, m.lastHeardNanos)) / 1e6
                  + " ms, but not pinged (interval "
                  + pingIntervalNanos / 1e6
                  + " ms)");
        }
        checkHeld(client);
        checkExact(client, m, /* complete= */ false);
        checkNeverOutside(client, m);
        if (caughtUp(client)) {
          m.caughtUpNanos = now;
        }
        if (VERBOSE) {
          Outbox.Held h = engine.held(client);
          trace.addLast(
              "    "
                  + client
                  + " view="
                  + client.view()
                  + " ref="
                  + reference.view()
                  + " held="
                  + (h == null
                      ? null
                      : h.queued().size()
                          + "q/owedSince="
                          + h.owedSince()
                          + "/resync="
                          + h.resyncOwed()
                          + "/sending="
                          + h.sending()
                          + "/waitingForProof="
                          + h.waitingForProof()
                          + "/waitingForBudget="
                          + h.waitingForBudget())
                  + " caughtUp="
                  + m.caughtUpNanos);
        }
      }
      if (reference.closeReason != null && !closing) {
        violations.add("the reference client was closed: " + reference.closeReason);
      }
      if (drops.containsKey(reference.id) || reference.initialStates() > 1) {
        violations.add("the reference client, idle and fast, lost updates to an overflow");
      }
      BroadcastStats stats = broadcaster.stats();
      int open = 0;
      for (ProbeClient client : alive) {
        if (client.closeReason == null) {
          open++;
        }
      }
      if (stats.clients() != open) {
        violations.add("the registry holds " + stats.clients() + " clients, " + open + " are open");
      }
      int injected = codec.thrown() + listenerThrows;
      for (ProbeClient client : meta.keySet()) {
        injected += client.thrown;
      }
      if (stats.faults() != injected) {
        violations.add(
            stats.faults()
                + " faults counted, "
                + injected
                + " injected (codec "
                + codec.thrown()
                + ", listener "
                + listenerThrows
                + ", clients "
                + (injected - codec.thrown() - listenerThrows)
                + ")");
      }
      if (!violations.isEmpty()) {
        throw new AssertionError(String.join("\n", violations));
      }
    }

    /**
     * Whether {@code client} holds a state at least as new as the view: it has been handed every
     * session's latest version, tombstones included, or, unpaced, it has nothing in flight (an
     * unpaced client behind always has: "no lost wake-up" below; a paced one may wait for its own
     * proof instead). Equal views alone are not enough: a client that missed an update and then its
     * removal holds an equal view by coincidence.
     */
    /**
     * The version of {@code sessionId} a client of {@code topics} must hold to have everything: the
     * latest if the session is in them now; else the version that moved it out of them, if it was
     * ever in them (it may have been before the client subscribed: then this asks too much, which
     * only weakens the too-slow check); else none.
     */
    private long owed(String sessionId, Topics topics) {
      List<Run> runs = modelRuns.getOrDefault(sessionId, List.of());
      for (int i = runs.size() - 1; i >= 0; i--) {
        String topic = runs.get(i).topic();
        if (topics.includes(topic.isEmpty() ? null : topic)) {
          return i == runs.size() - 1
              ? modelVersions.getOrDefault(sessionId, 0L)
              : runs.get(i + 1).from();
        }
      }
      return 0;
    }

    private boolean caughtUp(ProbeClient client) {
      if (!client.isPaced() && !client.holding()) {
        return true;
      }
      for (Map.Entry<String, Long> latest : reference.highest().entrySet()) {
        long required = latest.getValue();
        if (meta.get(client).scoped) {
          required = owed(latest.getKey(), client.topics());
        }
        if (client.highest().getOrDefault(latest.getKey(), 0L) < required) {
          return false;
        }
      }
      return true;
    }

    /** Checks that a client the broadcaster closed had the reason it was closed for. */
    private void checkClose(ProbeClient client) {
      Meta m = meta.get(client);
      long at = client.closedAtNanos;
      log(client + " closed: " + client.closeReason);
      switch (client.closeReason) {
        case SEND_TIMEOUT:
          if (client.heldSinceNanos == ProbeClient.NOT_HELD
              || at - client.heldSinceNanos <= sendTimeoutNanos) {
            violations.add(client + ": closed SEND_TIMEOUT without a send held past the timeout");
          }
          break;
        case TOO_SLOW:
          if (!client.isPaced() && client.heldSinceNanos == ProbeClient.NOT_HELD) {
            violations.add(client + ": closed TOO_SLOW with nothing in flight (caught up)");
          } else if ((client.isPaced() || policy != OverflowPolicy.DISCONNECT)
              && at - m.caughtUpNanos <= limits.grace().toNanos()) {
            violations.add(
                client
                    + ": closed TOO_SLOW "
                    + (at - m.caughtUpNanos) / 1e6
                    + " ms after it was caught up (grace "
                    + limits.grace().toMillis()
                    + " ms)");
          }
          break;
        case UNRESPONSIVE:
          if (silenceNanos == 0 || at - m.lastHeardNanos <= silenceNanos) {
            violations.add(client + ": closed UNRESPONSIVE though heard within the silence");
          }
          if (client.unansweredPingNanos == ProbeClient.NOT_HELD
              || at - client.unansweredPingNanos <= silenceNanos - pingIntervalNanos) {
            violations.add(
                client + ": closed UNRESPONSIVE though no ping of ours waited that long for it");
          }
          break;
        case SEND_FAILED:
          if (!client.sendFailed) {
            violations.add(client + ": closed SEND_FAILED though no send failed");
          }
          break;
        case INTERNAL_ERROR:
          if (codec.thrown() == 0) {
            violations.add(client + ": closed INTERNAL_ERROR though the codec never failed");
          }
          break;
        case SHUTDOWN:
          if (!closing) {
            violations.add(client + ": closed SHUTDOWN before the broadcaster was closed");
          }
          break;
        default:
          violations.add(client + ": closed " + client.closeReason + " by the core");
      }
    }

    /**
     * Bytes and frames held are within the limits (a client behind holds a cursor, no bytes); no
     * undrained work.
     */
    private void checkHeld(ProbeClient client) {
      Outbox.Held held = engine.held(client);
      if (held == null) {
        violations.add(client + ": open and registered, but not in the registry");
        return;
      }
      long queued = 0;
      for (Frame frame : held.queued()) {
        queued += frame.bytes();
      }
      if (bounded) {
        if (queued > limits.maxBytes() && held.queued().size() > 1) {
          // One frame, whatever its size, goes to an idle client; more never pass the limit.
          violations.add(
              client + ": holds " + queued + " queued bytes, over maxBytes " + limits.maxBytes());
        }
        if (held.queued().size() > limits.maxFrames()) {
          violations.add(
              client
                  + ": holds "
                  + held.queued().size()
                  + " frames, over maxFrames "
                  + limits.maxFrames());
        }
      }
      if (held.chargedBytes() != queued) {
        violations.add(client + ": charged " + held.chargedBytes() + " bytes for " + queued);
      }
      boolean owes = Outbox.owes(held.owedSince());
      boolean work = !held.queued().isEmpty() || owes || held.resyncOwed();
      if (work && !held.sending() && !held.waitingForProof() && !held.waitingForBudget()) {
        violations.add(client + ": has work but nothing in flight (a lost wake-up)");
      }
      if (held.waitingForBudget() && !client.isPaced()) {
        violations.add(client + ": waits for a token, though the budget governs paced ones only");
      }
      if (held.waitingForProof() && !client.isPaced()) {
        violations.add(client + ": waits for a proof it cannot give (" + held.proof() + ")");
      }
      if (owes && !held.queued().isEmpty()) {
        violations.add(client + ": frames queued behind a cursor");
      }
    }

    /**
     * For a client that never overflowed: per session, the versions received after its
     * initial_state are those the reference received after the registration, in order; a prefix of
     * them while sends are held, all of them at quiescence. A paced client coalesces whenever it
     * has not yet consumed: its versions are a subsequence of the reference's, ending, at
     * quiescence, with the same one.
     */
    private void checkExact(ProbeClient client, Meta m, boolean complete) {
      if (client == reference
          || m.scoped
          || drops.containsKey(client.id)
          || client.initialStates() > 1) {
        return;
      }
      if (client.isPaced()) {
        checkSubsequence(client, m, complete);
        return;
      }
      Map<String, List<Long>> expected = bySession(reference.live(), m.referenceStart);
      Map<String, List<Long>> actual = bySession(client.live(), 0);
      Set<String> ids = new HashSet<>(expected.keySet());
      ids.addAll(actual.keySet());
      for (String id : ids) {
        List<Long> want = expected.getOrDefault(id, List.of());
        List<Long> got = actual.getOrDefault(id, List.of());
        boolean ok =
            complete
                ? got.equals(want)
                : got.size() <= want.size() && want.subList(0, got.size()).equals(got);
        if (!ok) {
          violations.add(
              client
                  + ": snapshot-then-live broken for "
                  + id
                  + ": got "
                  + got
                  + ", the reference got "
                  + want);
        }
      }
    }

    private void checkSubsequence(ProbeClient client, Meta m, boolean complete) {
      Map<String, List<Long>> expected = bySession(reference.live(), m.referenceStart);
      Map<String, List<Long>> actual = bySession(client.live(), 0);
      for (Map.Entry<String, List<Long>> session : actual.entrySet()) {
        List<Long> want = expected.getOrDefault(session.getKey(), List.of());
        int at = 0;
        for (long version : session.getValue()) {
          while (at < want.size() && want.get(at) != version) {
            at++;
          }
          if (at == want.size()) {
            violations.add(
                client
                    + ": paced, got "
                    + session.getValue()
                    + " for "
                    + session.getKey()
                    + ", not a subsequence of the reference's "
                    + want);
            break;
          }
        }
      }
      if (complete) {
        for (Map.Entry<String, List<Long>> session : expected.entrySet()) {
          List<Long> got = actual.getOrDefault(session.getKey(), List.of());
          List<Long> want = session.getValue();
          if (got.isEmpty() || !got.get(got.size() - 1).equals(want.get(want.size() - 1))) {
            violations.add(
                client
                    + ": paced, ends "
                    + session.getKey()
                    + " at "
                    + got
                    + ", the reference at "
                    + want);
          }
        }
      }
    }

    private static Map<String, List<Long>> bySession(List<Map.Entry<String, Long>> live, int from) {
      Map<String, List<Long>> bySession = new HashMap<>();
      for (int i = from; i < live.size(); i++) {
        Map.Entry<String, Long> entry = live.get(i);
        bySession.computeIfAbsent(entry.getKey(), k -> new ArrayList<>()).add(entry.getValue());
      }
      return bySession;
    }

    /** Stops every fault, lets everything through, then checks convergence and the close. */
    private void quiesce() {
      log("quiesce");
      for (Kind kind : Kind.values()) {
        codec.failNext(kind, 0);
      }
      load = 0; // The guard lets everyone waiting go once it sees the CPU relieved.
      advance(2 * Math.max(FrameBudget.PERIOD_NANOS, sweepNanos) + FrameBudget.RELEASE_NANOS);
      for (ProbeClient client : meta.keySet()) {
        client.hold = false;
        client.failNextSend = false;
        client.throwNextSend = false;
        client.closeThrows = false;
        client.pingThrows = false;
        meta.get(client).responsive = true;
      }
      boolean any = true;
      while (any) {
        any = false;
        int framesBefore = 0;
        for (ProbeClient client : meta.keySet()) {
          framesBefore += client.dataFrames;
        }
        for (ProbeClient client : new ArrayList<>(meta.keySet())) {
          if (client.holding()) {
            heard(client); // Before the completion, as in completeHeld.
            any |= client.complete(true);
          }
          if (client.closeReason == null && !client.unregistered) {
            answer(client); // Proofs let paced clients take what they are owed.
          }
        }
        if (!any) {
          advance(Math.max(batchNanos, 1_000_000) * 2); // A flush may be due.
        }
        if (!any && engine.budget().hasWaiting()) {
          // The guard is still limited, relieved only a quarter per period: the clients waiting
          // go as tokens accrue, and it turns off once its limit no longer binds.
          advance(Math.max(FrameBudget.PERIOD_NANOS, sweepNanos));
          any = true;
        }
        int framesAfter = 0;
        for (ProbeClient client : meta.keySet()) {
          framesAfter += client.dataFrames;
        }
        any |= framesAfter != framesBefore;
      }
      check();

      quiescing = true;
      ProbeClient fresh = register(/* hold= */ false, ProbeClient.Proof.NONE);
      Map<String, Long> view = fresh.view();
      assertThat(reference.view()).as("the reference's view").isEqualTo(view);
      Map<String, JsonNode> objects = reference.sessions();
      for (ProbeClient client : alive) {
        if (client.closeReason == null) {
          // Each holds exactly the sessions of its topics: patches applied and resumes merged
          // end with exactly the server's objects.
          Topics topics = client.topics();
          Map<String, JsonNode> its = new HashMap<>(objects);
          its.values().removeIf(state -> !topics.includes(state.path("topic").asString(null)));
          Map<String, Long> itsView = new HashMap<>(view);
          itsView.keySet().retainAll(its.keySet());
          assertThat(client.view()).as("%s's view at quiescence", client).isEqualTo(itsView);
          assertThat(client.sessions()).as("%s's sessions at quiescence", client).isEqualTo(its);
          checkExact(client, meta.get(client), /* complete= */ true);
        }
      }
      if (!updatesMayBeLost) {
        Map<String, Long> model = new HashMap<>(modelVersions);
        model.keySet().removeAll(modelRemoved);
        assertThat(view).as("the broadcaster's view against the model").isEqualTo(model);
      }
      check();
      for (ProbeClient client : meta.keySet()) {
        patches += client.patchesApplied();
        scoped += meta.get(client).scoped ? 1 : 0;
        resumes += client.resumes();
      }

      closing = true;
      broadcaster.close();
      check();
      assertThat(broadcaster.stats().clients()).isZero();
      assertThat(scheduler.pending()).as("tasks left after close").isZero();
      for (ProbeClient client : meta.keySet()) {
        if (!client.unregistered) {
          assertThat(client.closeReason).as("%s closed", client).isNotNull();
        }
      }
    }
  }
}
