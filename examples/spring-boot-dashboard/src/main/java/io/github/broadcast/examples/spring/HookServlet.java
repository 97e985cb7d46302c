package io.github.broadcast.examples.spring;

import io.github.broadcast.SessionStore;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.examples.dashboard.core.HookRequests;
import io.github.broadcast.examples.dashboard.core.Json;
import io.github.broadcast.examples.dashboard.core.SessionModel;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/hooks}: one Claude Code hook payload, as {@code application/json}. 202 with the
 * session's version; 400, 413 or 415 with a JSON error, and then nothing was stored or broadcast;
 * 408 when the body did not arrive within {@code dashboard.request-body-timeout}, and then it is
 * never applied, even if its last bytes come later. A repeat with the same {@code Idempotency-Key}
 * counts once.
 *
 * <p>The body is read without a thread: the request goes asynchronous and a {@link ReadListener}
 * gathers the bytes as Tomcat's poller finds them, so a client that sends half a body and stops
 * holds a connection, never a worker (the same defence as dashboard-server's front door). A plain
 * servlet rather than a controller method, because a Spring MVC handler's body read blocks.
 */
final class HookServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;
  private static final System.Logger logger = System.getLogger(HookServlet.class.getName());

  private final transient SessionStore store;
  private final transient DashboardProperties properties;
  private final transient Clock clock;
  private final transient ScheduledExecutorService timer;
  private final transient LongAdder bodiesTimedOut = new LongAdder();

  HookServlet(
      SessionStore store,
      DashboardProperties properties,
      Clock clock,
      ScheduledExecutorService timer) {
    this.store = store;
    this.properties = properties;
    this.clock = clock;
    this.timer = timer;
  }

  /** Bodies that missed their deadline: each answered 408 and never applied. */
  long bodiesTimedOut() {
    return bodiesTimedOut.sum();
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String problem = HookRequests.contentTypeProblem(request.getHeader("Content-Type"));
    if (problem != null) {
      write(response, 415, Json.error(415, problem));
      return;
    }
    String changeId;
    try {
      changeId = HookRequests.changeId(request.getHeader("Idempotency-Key"));
    } catch (IllegalArgumentException e) {
      write(response, 400, Json.error(400, e.getMessage()));
      return;
    }
    if (request.getContentLengthLong() > properties.maxBodyBytes()) {
      tooLarge(response);
      return;
    }
    AsyncContext async = request.startAsync();
    async.setTimeout(0); // The body has its own deadline below; the store's answer has none.
    Body body = new Body(async, changeId);
    request.getInputStream().setReadListener(body);
  }

  private void tooLarge(HttpServletResponse response) throws IOException {
    response.setHeader("Connection", "close"); // The rest of the body is not read.
    write(response, 413, Json.error(413, "body over " + properties.maxBodyBytes() + " bytes"));
  }

  /** One request's body as it arrives; the first of its outcomes wins, the others do nothing. */
  private final class Body implements ReadListener {

    private final AsyncContext async;
    private final String changeId;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final byte[] chunk = new byte[8192];
    private final AtomicBoolean decided = new AtomicBoolean();
    private final ScheduledFuture<?> deadline;

    Body(AsyncContext async, String changeId) {
      this.async = async;
      this.changeId = changeId;
      this.deadline =
          timer.schedule(
              this::expire, properties.requestBodyTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void onDataAvailable() throws IOException {
      ServletInputStream in = async.getRequest().getInputStream();
      while (!decided.get() && in.isReady()) {
        int n = in.read(chunk);
        if (n < 0) {
          return; // onAllDataRead follows.
        }
        bytes.write(chunk, 0, n);
        if (bytes.size() > properties.maxBodyBytes() && decide()) {
          finish(413, null);
          return;
        }
      }
    }

    @Override
    public void onAllDataRead() {
      if (!decide()) {
        return;
      }
      try {
        handle();
      } catch (RuntimeException e) { // Decided: nothing else answers it, so this must.
        logger.log(Level.WARNING, "a hook failed", e);
        finish(500, Json.error(500, "the hook could not be handled: " + e));
      }
    }

    private void handle() {
      JsonNode hook;
      try {
        hook = Json.parse(bytes.toByteArray());
      } catch (IllegalArgumentException e) {
        finish(400, Json.error(400, e.getMessage()));
        return;
      }
      String invalid = SessionModel.validate(hook);
      if (invalid != null) {
        finish(400, Json.error(400, invalid));
        return;
      }
      try {
        store
            .applyAsync(
                hook.get("session_id").asString(),
                changeId,
                state -> SessionModel.apply(state, hook, clock.instant(), properties.taskMax()))
            .whenComplete(this::applied);
      } catch (IllegalArgumentException e) { // The store's own check of the session id.
        finish(400, Json.error(400, e.getMessage()));
      }
    }

    private void applied(SessionUpdate update, Throwable failure) {
      if (failure != null) {
        logger.log(Level.WARNING, "a hook failed", failure);
        finish(500, Json.error(500, "the hook could not be applied: " + failure));
      } else {
        finish(202, Json.accepted(update));
      }
    }

    @Override
    public void onError(Throwable failure) {
      if (decide()) {
        async.complete(); // The connection failed: nobody is left to answer.
      }
    }

    private void expire() {
      if (decide()) {
        bodiesTimedOut.increment();
        HttpServletResponse response = (HttpServletResponse) async.getResponse();
        response.setHeader("Connection", "close");
        finish(
            408,
            Json.error(
                408,
                "the body did not arrive within "
                    + properties.requestBodyTimeout().toMillis()
                    + " ms"));
      }
    }

    private boolean decide() {
      if (!decided.compareAndSet(false, true)) {
        return false;
      }
      deadline.cancel(false);
      return true;
    }

    /** Answers, then ends the exchange; a null body means 413. */
    private void finish(int status, JsonNode body) {
      HttpServletResponse response = (HttpServletResponse) async.getResponse();
      try {
        if (body == null) {
          tooLarge(response);
        } else {
          write(response, status, body);
        }
      } catch (IOException | RuntimeException e) {
        logger.log(Level.DEBUG, "could not answer a hook", e);
      } finally {
        async.complete();
      }
    }
  }

  private static void write(HttpServletResponse response, int status, JsonNode body)
      throws IOException {
    byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
    response.setStatus(status);
    response.setContentType("application/json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }
}
