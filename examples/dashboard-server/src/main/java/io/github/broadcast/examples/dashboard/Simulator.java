package io.github.broadcast.examples.dashboard;

import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.examples.dashboard.core.TranscriptSummary;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import tools.jackson.databind.node.ObjectNode;

/**
 * Plays N Claude Code sessions through the same paths as real ones: hook events, and what their
 * transcripts would add (model, tokens, branch). Each session lives a working day in small: it
 * starts idle, takes a prompt, runs a few tools, now and then stops to ask for a permission and
 * waits for it, stops and waits for the next prompt, compacts now and then, and sometimes ends, to
 * be followed by a new session in its place. So every status and both kinds of attention show.
 *
 * <p>Rate: a busy session sends {@code R} events a second (open-loop: a slow server does not slow
 * it); one waiting for its user sends nothing for a few seconds, so all of them together send
 * somewhat less than {@code N x R}. One thread; seeded.
 */
final class Simulator implements AutoCloseable {

  private static final String[] PROJECTS = {
    "api-gateway",
    "billing",
    "dashboard",
    "data-pipeline",
    "docs",
    "infra",
    "mobile-app",
    "search",
    "auth-service",
    "ml-models"
  };
  private static final String[] BRANCHES = {
    "main", "fix/flaky-payment-test", "feat/pagination", "chore/deps", "feat/audit-log"
  };
  private static final String[] MODELS = {
    "claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"
  };
  private static final String[] TOOLS = {"Bash", "Read", "Edit", "Grep", "Write", "Glob"};
  private static final String[] PROMPTS = {
    "Fix the flaky integration test in the payment flow",
    "Add pagination to the sessions endpoint",
    "Refactor the retry logic to use exponential backoff with jitter",
    "Write a migration for the new audit table",
    "Find why the build is slow and speed it up",
    "Review the open pull request and summarise the risks",
    "Upgrade the logging library and fix what breaks",
  };
  private static final long TICK_MILLIS = 10;

  /** Where one session is in its day. */
  private enum Phase {
    START,
    PROMPT,
    TOOLS,
    PERMISSION,
    STOPPED,
    ENDED
  }

  /** One simulated session: its id, its place in the day, and how many turns it lets pass. */
  private static final class Session {
    final int slot;
    int generation;
    Phase phase = Phase.START;
    int toolsLeft;
    long nextAt; // System.nanoTime() of its next event.
    boolean toolOpen; // A PreToolUse waits for its PostToolUse.
    String tool = "Bash";
    String model;
    String branch;

    Session(int slot) {
      this.slot = slot;
    }

    String id() {
      return String.format("sim-%04d", slot) + (generation == 0 ? "" : "-" + generation);
    }

    String project() {
      return PROJECTS[slot % PROJECTS.length] + (slot < PROJECTS.length ? "" : "-" + slot);
    }
  }

  private final Session[] sessions;
  private final long periodNanos;
  private final Consumer<ObjectNode> hooks;
  private final Consumer<TranscriptSummary.Appended> transcripts;
  private final Random random;
  private final ScheduledExecutorService thread;
  private final PriorityQueue<Session> due =
      new PriorityQueue<>(Comparator.comparingLong((Session s) -> s.nextAt));

  Simulator(
      int sessions,
      double perSecond,
      long seed,
      Consumer<ObjectNode> hooks,
      Consumer<TranscriptSummary.Appended> transcripts) {
    this.sessions = new Session[sessions];
    this.periodNanos = (long) (1e9 / perSecond);
    this.hooks = hooks;
    this.transcripts = transcripts;
    this.random = new Random(seed);
    long now = System.nanoTime();
    for (int i = 0; i < sessions; i++) {
      this.sessions[i] = new Session(i);
      // Spread out over a quarter minute, so the day does not start in lockstep.
      this.sessions[i].nextAt = now + (long) (random.nextDouble() * Math.max(periodNanos, 15e9));
      due.add(this.sessions[i]);
    }
    this.thread = Daemons.scheduler("simulator");
  }

  void start() {
    thread.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      long now = System.nanoTime();
      while (!due.isEmpty() && now - due.peek().nextAt >= 0) {
        Session session = due.poll();
        session.nextAt += periodNanos;
        advance(session);
        if (now - session.nextAt > TimeUnit.SECONDS.toNanos(1)) {
          session.nextAt = now; // Far behind (a pause): do not make up for it in a burst.
        }
        due.add(session);
      }
    } catch (RuntimeException e) {
      System.getLogger(Simulator.class.getName()).log(Level.WARNING, "simulated event failed", e);
    }
  }

  /** Makes {@code s} wait between {@code min} and {@code max} seconds before its next event. */
  private void dwell(Session s, int min, int max) {
    s.nextAt += TimeUnit.MILLISECONDS.toNanos(1000L * min + random.nextInt(1000 * (max - min)));
  }

  /** Sends the next event of {@code session}'s day. */
  private void advance(Session s) {
    switch (s.phase) {
      case START -> {
        s.model = MODELS[random.nextInt(MODELS.length)];
        s.branch = BRANCHES[random.nextInt(BRANCHES.length)];
        hooks.accept(hook(s, "SessionStart").put("source", "startup"));
        s.phase = Phase.PROMPT;
        dwell(s, 1, 5);
      }
      case PROMPT -> {
        hooks.accept(
            hook(s, "UserPromptSubmit").put("prompt", PROMPTS[random.nextInt(PROMPTS.length)]));
        transcript(s, 1_200 + random.nextInt(4_000), 80 + random.nextInt(400));
        s.phase = Phase.TOOLS;
        s.toolsLeft = 6 + random.nextInt(25);
      }
      case TOOLS -> tools(s);
      case PERMISSION -> {
        // The user allowed it: the tool runs and completes.
        hooks.accept(toolHook(s, "PostToolUse"));
        s.toolOpen = false;
        s.phase = Phase.TOOLS;
      }
      case STOPPED -> {
        if (random.nextInt(10) == 0) {
          hooks.accept(hook(s, "SessionEnd").put("reason", "exit"));
          s.phase = Phase.ENDED;
          dwell(s, 5, 30);
        } else {
          s.phase = Phase.PROMPT;
          advance(s);
        }
      }
      case ENDED -> {
        s.generation++; // A new session takes the slot.
        s.phase = Phase.START;
        advance(s);
      }
    }
  }

  private void tools(Session s) {
    if (s.toolOpen) {
      hooks.accept(toolHook(s, "PostToolUse"));
      s.toolOpen = false;
      transcript(s, 300 + random.nextInt(2_000), 40 + random.nextInt(300));
      s.toolsLeft--;
      return;
    }
    if (s.toolsLeft <= 0) {
      if (random.nextInt(8) == 0) {
        hooks.accept(hook(s, "PreCompact").put("trigger", "auto"));
        s.toolsLeft = 1;
        return;
      }
      hooks.accept(hook(s, "Stop"));
      transcript(s, 200, 150 + random.nextInt(600));
      s.phase = Phase.STOPPED;
      dwell(s, 3, 15); // The user reads, thinks, types.
      return;
    }
    s.tool = TOOLS[random.nextInt(TOOLS.length)];
    hooks.accept(toolHook(s, "PreToolUse"));
    s.toolOpen = true;
    boolean risky = s.tool.equals("Bash") || s.tool.equals("Write") || s.tool.equals("Edit");
    if (risky && random.nextInt(16) == 0) {
      hooks.accept(
          hook(s, "Notification").put("message", "Claude needs your permission to use " + s.tool));
      s.phase = Phase.PERMISSION;
      dwell(s, 2, 12); // Until the user looks.
    }
  }

  private ObjectNode hook(Session s, String event) {
    ObjectNode hook = Json.MAPPER.createObjectNode();
    hook.put("session_id", s.id());
    hook.put("hook_event_name", event);
    hook.put("cwd", "/home/demo/" + s.project());
    hook.put("transcript_path", transcriptPath(s).toString());
    return hook;
  }

  private ObjectNode toolHook(Session s, String event) {
    ObjectNode hook = hook(s, event).put("tool_name", s.tool);
    ObjectNode input = hook.putObject("tool_input");
    if (s.tool.equals("Bash")) {
      input.put("command", "mvn -q test -Dtest=Case" + random.nextInt(100));
    } else if (s.tool.equals("Grep") || s.tool.equals("Glob")) {
      input.put("pattern", "retry|backoff");
    } else {
      input.put(
          "file_path", "/home/demo/" + s.project() + "/src/File" + random.nextInt(50) + ".java");
    }
    return hook;
  }

  /** What the session's transcript would add: a model turn, its tokens, the branch. */
  private void transcript(Session s, int input, int output) {
    transcripts.accept(
        new TranscriptSummary.Appended(
            s.id(),
            transcriptPath(s),
            2,
            0,
            "assistant",
            s.model,
            s.branch,
            null,
            null,
            null,
            Instant.now(),
            new TranscriptSummary.Tokens(input, output, input * 6L, input / 3),
            null));
  }

  /** Claude Code's layout: the project's path with / as -, then the session id. */
  private static Path transcriptPath(Session s) {
    return Path.of(
        "/home/demo/.claude/projects/-home-demo-" + s.project() + "/" + s.id() + ".jsonl");
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
