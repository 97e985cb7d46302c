package io.github.broadcast.tyrus;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.CompletionHandler;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.EmptyCompletionHandler;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.WriteResult;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.filterchain.FilterChainContext;
import org.glassfish.grizzly.filterchain.NextAction;
import org.glassfish.grizzly.http.HttpContent;
import org.glassfish.grizzly.http.util.HttpStatus;
import org.glassfish.grizzly.memory.Buffers;
import tools.jackson.databind.ObjectMapper;

/**
 * The front door's one way to answer a request it will not pass on (a refusal, a redirect, a body
 * too large or too late): a complete answer written as bytes through the connection, so the timer
 * can answer too, after which the connection ends. What else arrives on it is read and dropped,
 * never parsed as the head of a new request (the rest of a refused chunked body would otherwise
 * look like one), and the connection is closed once that has stopped or {@value #LINGER_MILLIS} ms
 * have passed. Thread-safe.
 */
final class Answers {

  // Set once an answer ends the connection.
  private static final Attribute<Boolean> ENDED =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(Answers.class.getName() + ".ended");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How long a refused request's body may keep arriving before the connection is closed. */
  static final long LINGER_MILLIS = 2_000;

  private final ScheduledExecutorService timer;

  Answers(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /**
   * Drops {@code content} if the connection was answered already, and returns the stop action; else
   * returns null. The first filter of the front door asks, before any of them reads a head. Reading
   * the rest rather than closing at once sends no reset, which can destroy the answer before the
   * client reads it; its end closes the connection.
   */
  static NextAction dropIfAnswered(FilterChainContext ctx, HttpContent content) {
    Connection<?> connection = ctx.getConnection();
    if (!ENDED.isSet(connection)) {
      return null;
    }
    if (content.isLast()) {
      connection.closeSilently();
    }
    content.recycle();
    return ctx.getStopAction();
  }

  /**
   * Answers {@code verdict} (a JSON error, or a redirect) and ends the connection: at once once the
   * answer has left if the request was complete, else after the rest of it ({@code more}).
   */
  void answer(Connection<?> connection, String method, RequestGuard.Verdict verdict, boolean more) {
    ENDED.set(connection, Boolean.TRUE);
    byte[] body = new byte[0];
    StringBuilder head =
        new StringBuilder("HTTP/1.1 ")
            .append(verdict.status())
            .append(' ')
            .append(HttpStatus.getHttpStatus(verdict.status()).getReasonPhrase())
            .append("\r\n");
    if (verdict.location() != null) {
      head.append("Location: ").append(verdict.location()).append("\r\n");
      head.append("Set-Cookie: ").append(verdict.setCookie()).append("\r\n");
    } else {
      body =
          JSON.createObjectNode()
              .put("error", verdict.message())
              .put("status", verdict.status())
              .toString()
              .getBytes(StandardCharsets.UTF_8);
      head.append("Content-Type: application/json\r\n");
      if (verdict.status() == 401) {
        head.append("WWW-Authenticate: Bearer\r\n");
      } else if (verdict.status() == 503) {
        head.append("Retry-After: 1\r\n");
      }
    }
    if ("HEAD".equals(method)) {
      body = new byte[0];
    }
    head.append("Cache-Control: no-store\r\n")
        .append("Content-Length: ")
        .append(body.length)
        .append("\r\nConnection: close\r\n\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] bytes = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, bytes, 0, headBytes.length);
    System.arraycopy(body, 0, bytes, headBytes.length, body.length);
    Buffer buffer = Buffers.wrap(connection.getMemoryManager(), bytes);
    write(connection, buffer, lingerThenClose(connection, more));
  }

  /** An error answer: {@code status} with {@code message} in its JSON body. */
  static RequestGuard.Verdict error(int status, String message) {
    return new RequestGuard.Verdict(status, message, null, null, null);
  }

  @SuppressWarnings({"rawtypes", "unchecked"}) // Grizzly's write is generic in its peer address.
  private static void write(
      Connection connection, Buffer buffer, CompletionHandler<WriteResult> handler) {
    connection.write(buffer, handler);
  }

  @SuppressWarnings("rawtypes") // Grizzly's Connection.write takes a raw WriteResult handler.
  private CompletionHandler<WriteResult> lingerThenClose(Connection<?> connection, boolean more) {
    return new EmptyCompletionHandler<WriteResult>() {
      @Override
      public void completed(WriteResult result) {
        if (more) {
          timer.schedule(connection::closeSilently, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } else {
          connection.closeSilently();
        }
      }

      @Override
      public void failed(Throwable error) {
        connection.closeSilently();
      }
    };
  }
}
