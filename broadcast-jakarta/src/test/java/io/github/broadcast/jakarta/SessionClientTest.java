package io.github.broadcast.jakarta;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.CloseReason;
import io.github.broadcast.Frame;
import io.github.broadcast.Topics;
import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.ManualScheduler;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The adapter's own guarantees, against a scripted jakarta Session. */
final class SessionClientTest {

  private final List<SendHandler> handlers = new ArrayList<>();
  private final List<String> sent = new ArrayList<>();
  private final List<jakarta.websocket.CloseReason> closes = new ArrayList<>();
  private RuntimeException throwOnSend;
  private final Session session = session();
  private final AtomicInteger releases = new AtomicInteger();
  private final List<Long> idleTimeouts = new ArrayList<>();
  private final Map<String, Object> userProperties = new HashMap<>();
  private final SessionClient client =
      new SessionClient(
          session, new TokenBucket(new FakeTicker(), 2, 1), releases::incrementAndGet);

  private Session session() {
    RemoteEndpoint.Async async =
        (RemoteEndpoint.Async)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {RemoteEndpoint.Async.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("sendText") && args.length == 2) {
                    if (throwOnSend != null) {
                      throw throwOnSend;
                    }
                    sent.add((String) args[0]);
                    handlers.add((SendHandler) args[1]);
                  }
                  return null;
                });
    return (Session)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {Session.class},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "getAsyncRemote":
                  return async;
                case "getId":
                  return "7";
                case "isOpen":
                  return closes.isEmpty();
                case "close":
                  closes.add((jakarta.websocket.CloseReason) args[0]);
                  return null;
                case "setMaxIdleTimeout":
                  idleTimeouts.add((Long) args[0]);
                  return null;
                case "getUserProperties":
                  return userProperties;
                default:
                  throw new UnsupportedOperationException(method.getName());
              }
            });
  }

  @Test
  void send_completesWhenTheContainerReportsTheWrite() {
    CompletableFuture<Void> done = client.send(Frame.of("a")).toCompletableFuture();
    assertThat(sent).containsExactly("a");
    assertThat(done).isNotDone();

    handlers.get(0).onResult(new SendResult(session));
    assertThat(done).isCompleted();
  }

  @Test
  void secondSendWhileOneIsInFlight_failsInsteadOfReachingTheContainer() {
    client.send(Frame.of("a"));
    CompletableFuture<Void> second = client.send(Frame.of("b")).toCompletableFuture();

    assertThat(second).isCompletedExceptionally();
    assertThat(sent).containsExactly("a");
    handlers.get(0).onResult(new SendResult(session));
    assertThat(client.send(Frame.of("c")).toCompletableFuture()).isNotDone();
    assertThat(sent).containsExactly("a", "c");
  }

  @Test
  void failedWrite_completesTheStageExceptionally_andFreesTheSlot() {
    CompletableFuture<Void> done = client.send(Frame.of("a")).toCompletableFuture();
    handlers.get(0).onResult(new SendResult(session, new IOException("reset")));
    assertThat(done).isCompletedExceptionally();
    client.send(Frame.of("b"));
    assertThat(sent).containsExactly("a", "b");
  }

  @Test
  void sendOnAClosedSession_completesExceptionally() {
    throwOnSend = new IllegalStateException("closed");
    assertThat(client.send(Frame.of("a")).toCompletableFuture()).isCompletedExceptionally();
    throwOnSend = null;
    client.send(Frame.of("b"));
    assertThat(sent).containsExactly("b");
  }

  @Test
  void close_sendsTheReasonsCodeAndPhrase() {
    client.close(CloseReason.TOO_SLOW);
    assertThat(closes).hasSize(1);
    assertThat(closes.get(0).getCloseCode().getCode()).isEqualTo(1013);
    assertThat(closes.get(0).getReasonPhrase()).contains("too slow");
    assertThat(client.id()).isEqualTo("ws-7");
  }

  @Test
  void everyCloseReasonPhrase_fitsInACloseFrame() {
    for (CloseReason reason : CloseReason.values()) {
      assertThat(reason.phrase().getBytes(StandardCharsets.UTF_8).length)
          .as(reason.name())
          .isLessThanOrEqualTo(123);
    }
  }

  @Test
  void close_givesBackTheAdmissionSlotOnce_andBoundsHowLongTheConnectionMayLinger() {
    client.close(CloseReason.SEND_TIMEOUT);
    assertThat(closes).hasSize(1);
    assertThat(closes.get(0).getCloseCode().getCode()).isEqualTo(1013);
    assertThat(releases).hasValue(1);
    assertThat(idleTimeouts).containsExactly(SessionClient.CLOSE_IDLE_MILLIS);

    client.release(); // The container's onClose, later, or never.
    client.close(CloseReason.SHUTDOWN);
    assertThat(releases).as("released once, whichever close came first").hasValue(1);
  }

  @Test
  void withASink_theFramesBytesGoToIt_andItsHandlerCompletesTheSend() {
    List<Frame> written = new ArrayList<>();
    List<SendHandler> sinkHandlers = new ArrayList<>();
    SessionClient direct =
        new SessionClient(
            session,
            (frame, handler) -> {
              written.add(frame);
              sinkHandlers.add(handler);
            },
            new TokenBucket(new FakeTicker(), 2, 1),
            releases::incrementAndGet,
            /* acknowledges= */ false,
            /* patches= */ false,
            /* resumeFrom= */ null,
            Topics.all(),
            new AccessRequest(null, null, Map.of()));
    Frame frame = Frame.of("update");

    CompletableFuture<Void> done = direct.send(frame).toCompletableFuture();
    assertThat(written).containsExactly(frame);
    assertThat(sent).as("nothing through the container's sendText").isEmpty();
    assertThat(direct.send(Frame.of("b")).toCompletableFuture())
        .as("one send in flight, on this path too")
        .isCompletedExceptionally();
    assertThat(done).isNotDone();

    sinkHandlers.get(0).onResult(new SendResult(session));
    assertThat(done).isCompleted();
    sinkHandlers.get(0).onResult(new SendResult(session, new IOException("again")));
    assertThat(done)
        .as("a second report changes nothing")
        .isCompleted()
        .isNotCompletedExceptionally();
    CompletableFuture<Void> failed = direct.send(Frame.of("c")).toCompletableFuture();
    sinkHandlers.get(1).onResult(new SendResult(session, new IOException("reset")));
    assertThat(failed).isCompletedExceptionally();
  }

  @Test
  void aSinkThatThrows_failsTheSend_andFreesTheSlot() {
    RuntimeException closed = new IllegalStateException("closed");
    List<Frame> written = new ArrayList<>();
    SessionClient direct =
        new SessionClient(
            session,
            (frame, handler) -> {
              if (written.isEmpty()) {
                written.add(frame);
                throw closed;
              }
              written.add(frame);
            },
            new TokenBucket(new FakeTicker(), 2, 1),
            releases::incrementAndGet,
            /* acknowledges= */ false,
            /* patches= */ false,
            /* resumeFrom= */ null,
            Topics.all(),
            new AccessRequest(null, null, Map.of()));

    assertThat(direct.send(Frame.of("a")).toCompletableFuture())
        .isCompletedExceptionally()
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .withCause(closed);
    assertThat(direct.send(Frame.of("b")).toCompletableFuture()).isNotDone();
    assertThat(written).hasSize(2);
  }

  @Test
  void closeForWhatItSent_waitsUntilThePeerFallsSilent_thenClosesOnceWithThatCode() {
    FakeTicker ticker = new FakeTicker();
    ManualScheduler scheduler = new ManualScheduler(ticker);
    assertThat(client.closing(ticker)).as("not closing yet").isFalse();

    client.closeWhenQuiet(CloseReason.POLICY_VIOLATION, ticker, scheduler);
    client.closeWhenQuiet(CloseReason.MESSAGE_TOO_BIG, ticker, scheduler); // The first one holds.
    scheduler.advance(Duration.ofMillis(400));
    assertThat(client.closing(ticker)).as("a message meanwhile is dropped").isTrue();
    scheduler.advance(Duration.ofMillis(500)); // 900 ms: heard 500 ms ago at 400.
    assertThat(closes).as("still sending 500 ms ago").isEmpty();
    scheduler.advance(Duration.ofMillis(100)); // 1000 ms: silent for 600 ms.
    assertThat(closes).hasSize(1);
    assertThat(closes.get(0).getCloseCode().getCode()).isEqualTo(1008);
    assertThat(userProperties)
        .as("a close for what it sent may wait for a send in flight on Tomcat")
        .containsEntry(SessionClient.TOMCAT_CLOSE_SEND_TIMEOUT, 2_000L);
    assertThat(releases.get()).isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(10));
    assertThat(closes).as("once").hasSize(1);
  }

  @Test
  void closeForWhatItSent_aPeerThatNeverFallsSilent_isClosedAfterTenWaits() {
    FakeTicker ticker = new FakeTicker();
    ManualScheduler scheduler = new ManualScheduler(ticker);
    client.closeWhenQuiet(CloseReason.MESSAGE_TOO_BIG, ticker, scheduler);
    for (int i = 0; i < 49; i++) { // Every 100 ms for 4.9 s.
      scheduler.advance(Duration.ofMillis(100));
      assertThat(client.closing(ticker)).isTrue();
    }
    assertThat(closes).isEmpty();
    scheduler.advance(Duration.ofMillis(100)); // The tenth wait ends at 5 s.
    assertThat(closes).hasSize(1);
    assertThat(closes.get(0).getCloseCode().getCode()).isEqualTo(1009);
  }

  @Test
  void aCloseFromTheBroadcaster_waitsOnlyTomcatsOwn50ms_whileTheClientsOwnMayWait2s() {
    client.allowOwnCloseToWait();
    assertThat(userProperties).containsEntry(SessionClient.TOMCAT_CLOSE_SEND_TIMEOUT, 2_000L);
    client.close(CloseReason.SEND_TIMEOUT);
    assertThat(userProperties).containsEntry(SessionClient.TOMCAT_CLOSE_SEND_TIMEOUT, 50L);
    assertThat(closes).hasSize(1);
  }
}
