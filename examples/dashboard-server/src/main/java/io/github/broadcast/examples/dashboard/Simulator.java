package io.github.broadcast.examples.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Plays N Claude Code sessions, each sending R hook events a second, through the same path as real
 * hooks: a demo without Claude Code. Each session loops through a prompt, a few tool calls and a
 * stop. One thread; the schedule is open-loop (a slow server does not slow it).
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
  private static final String[] TOOLS = {"Bash", "Read", "Edit", "Grep", "Write", "Glob"};
  private static final String[] PROMPTS = {
    "Fix the flaky integration test in the payment flow",
    "Add pagination to the sessions endpoint",
    "Refactor the retry logic to use exponential backoff with jitter",
    "Write a migration for the new audit table",
    "Find why the build is slow and speed it up",
  };
  private static final long TICK_MILLIS = 10;

  private final int sessions;
  private final double perSecond;
  private final Consumer<ObjectNode> sink;
  private final long[] steps;
  private final ScheduledExecutorService thread;
  private double owed;
  private int next;

  Simulator(int sessions, double perSecond, Consumer<ObjectNode> sink) {
    this.sessions = sessions;
    this.perSecond = perSecond;
    this.sink = sink;
    this.steps = new long[sessions];
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread t = new Thread(task, "simulator");
              t.setDaemon(true);
              return t;
            });
  }

  void start() {
    thread.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      owed += sessions * perSecond * TICK_MILLIS / 1000.0;
      while (owed >= 1) {
        owed -= 1;
        int session = next;
        next = (next + 1) % sessions;
        sink.accept(event(session, steps[session]++));
      }
    } catch (RuntimeException e) {
      System.getLogger(Simulator.class.getName())
          .log(System.Logger.Level.WARNING, "simulated event failed", e);
    }
  }

  /** Event {@code step} of session {@code session}: start, then prompt, 3 tool calls, stop. */
  static ObjectNode event(int session, long step) {
    ObjectNode hook = Http.MAPPER.createObjectNode();
    String project =
        PROJECTS[session % PROJECTS.length] + (session < PROJECTS.length ? "" : "-" + session);
    hook.put("session_id", String.format("sim-%04d", session));
    hook.put("cwd", "/home/demo/" + project);
    hook.put(
        "transcript_path", "/home/demo/.claude/projects/" + project + "/sim-" + session + ".jsonl");
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (step == 0) {
      hook.put("hook_event_name", "SessionStart");
      hook.put("source", "startup");
      return hook;
    }
    int phase = (int) ((step - 1) % 8);
    switch (phase) {
      case 0:
        hook.put("hook_event_name", "UserPromptSubmit");
        hook.put("prompt", PROMPTS[random.nextInt(PROMPTS.length)]);
        break;
      case 7:
        hook.put("hook_event_name", "Stop");
        break;
      default:
        String tool = TOOLS[random.nextInt(TOOLS.length)];
        hook.put("hook_event_name", phase % 2 == 1 ? "PreToolUse" : "PostToolUse");
        hook.put("tool_name", tool);
        ObjectNode input = hook.putObject("tool_input");
        if (tool.equals("Bash")) {
          input.put("command", "mvn -q test -Dtest=Case" + random.nextInt(100));
        } else {
          input.put(
              "file_path", "/home/demo/" + project + "/src/File" + random.nextInt(50) + ".java");
        }
        break;
    }
    return hook;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
