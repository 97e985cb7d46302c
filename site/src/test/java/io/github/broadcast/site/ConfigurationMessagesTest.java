package io.github.broadcast.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.broadcast.Broadcasters;
import io.github.broadcast.OutboxLimits;
import io.github.broadcast.SessionStore;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.redis.RedisSessionStore;
import io.github.broadcast.tyrus.EmbeddedServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.glassfish.grizzly.http.server.StaticHttpHandler;
import org.junit.jupiter.api.Test;

/**
 * The configuration page's error messages are the code's: every message the page quotes in the
 * shape {@code name : value (expected: ...)} is produced here by the call it documents, and must
 * come out word for word. A message the page quotes that no call here produces fails too, so the
 * table cannot drift from the code in either direction. (The Spring properties' messages, which
 * start with {@code broadcast.}, are the starter's; its StartFailureIT checks them.)
 */
final class ConfigurationMessagesTest {

  private static final Path PAGE = Path.of("src/pages/configuration.md");
  private static final Pattern QUOTED = Pattern.compile("`([A-Za-z][A-Za-z ]* : [^`]*)`");

  private static BroadcastEndpointConfig.Builder endpoint() {
    return BroadcastEndpointConfig.newBuilder("/ws", Broadcasters.concurrent());
  }

  /** Each documented message, with the call that must produce it. */
  private static Map<String, ThrowingCallable> calls() {
    Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
    Broadcasters.Builder broadcaster = Broadcasters.Preset.CONCURRENT.newBuilder();
    calls.put("sendTimeout : PT0S (expected: > 0)", () -> broadcaster.sendTimeout(Duration.ZERO));
    calls.put(
        "sendTimeout : null (expected: a positive duration)", () -> broadcaster.sendTimeout(null));
    calls.put("outboxLimits : null (expected: non-null)", () -> broadcaster.outboxLimits(null));
    calls.put(
        "batchInterval : PT0S (expected: > 0)", () -> broadcaster.batchInterval(Duration.ZERO));
    calls.put(
        "maxBatchDelay : PT0S (expected: > 0)", () -> broadcaster.maxBatchDelay(Duration.ZERO));
    calls.put("maxBatchEntries : 0 (expected: > 0)", () -> broadcaster.maxBatchEntries(0));
    calls.put(
        "heartbeat silenceTimeout : PT10S (expected: > interval PT15S)",
        () -> broadcaster.heartbeat(Duration.ofSeconds(15), Duration.ofSeconds(10)));
    calls.put(
        "slowBroadcastThreshold : PT0S (expected: > 0)",
        () -> broadcaster.slowBroadcastThreshold(Duration.ZERO));
    calls.put("listener : null (expected: non-null)", () -> broadcaster.listener(null));
    calls.put("maxBytes : 0 (expected: > 0)", () -> new OutboxLimits(0, 1, Duration.ofSeconds(1)));
    calls.put("maxFrames : 0 (expected: > 0)", () -> new OutboxLimits(1, 0, Duration.ofSeconds(1)));
    calls.put("grace : PT0S (expected: > 0)", () -> new OutboxLimits(1, 1, Duration.ZERO));
    calls.put(
        "expireAfterWrite : PT0S (expected: > 0)",
        () -> SessionStore.inMemory().expireAfterWrite(Duration.ZERO));
    calls.put(
        "sessionId : \" \" (1 chars; expected: 1 to 256 chars, not blank, no control characters)",
        () -> SessionStore.checkSessionId(" "));

    calls.put(
        "path : ws (expected: starts with /)",
        () -> BroadcastEndpointConfig.newBuilder("ws", Broadcasters.concurrent()));
    calls.put("maxMessageBytes : 0 (expected: > 0)", () -> endpoint().maxMessageBytes(0));
    calls.put(
        "allowedOrigins : https://a.example/x (expected: scheme://host[:port], no path)",
        () -> endpoint().allowedOrigins("https://a.example/x"));
    calls.put("maxClients : 0 (expected: > 0)", () -> endpoint().maxClients(0));
    calls.put(
        "connectionRate perSecond : 0.0 (expected: > 0)", () -> endpoint().connectionRate(0, 1));
    calls.put("maxClientsPerAddress : 0 (expected: > 0)", () -> endpoint().maxClientsPerAddress(0));
    calls.put(
        "connectionRatePerAddress perSecond : Infinity (expected: > 0, finite)",
        () -> endpoint().connectionRatePerAddress(Double.POSITIVE_INFINITY, 1));
    calls.put(
        "trustedProxies : proxy.internal (expected: an IP address or a CIDR network, such as"
            + " 10.0.0.0/8 or fd00::/8)",
        () -> endpoint().trustedProxies(List.of("proxy.internal")));
    calls.put(
        "forwardedHeader : X-Real-IP (expected: X-Forwarded-For or Forwarded)",
        () -> endpoint().forwardedHeader("X-Real-IP"));
    calls.put("inboundRate burst : 0 (expected: > 0)", () -> endpoint().inboundRate(1, 0));
    calls.put(
        "idleTimeout : PT-1S (expected: zero or positive)",
        () -> endpoint().idleTimeout(Duration.ofSeconds(-1)));
    calls.put(
        "requiredToken : blank (expected: a non-blank secret)",
        () -> endpoint().requiredToken(" "));

    EmbeddedServer.Builder server = EmbeddedServer.newBuilder();
    calls.put("port : 70000 (expected: 0 to 65535)", () -> server.port(70000));
    calls.put(
        "socketSendBuffer : -1 (expected: 0 for the OS default, or bytes > 0)",
        () -> server.socketSendBuffer(-1));
    calls.put("endpoint : not set (expected: endpoint(...))", () -> server.start());
    calls.put(
        "httpHandler path : api (expected: starts with /)",
        () -> server.httpHandler("api", new StaticHttpHandler()));
    calls.put(
        "publicUrl : https://x.example/app (expected: http[s]://name[:port], such as"
            + " https://dash.example.com)",
        () -> server.publicUrl("https://x.example/app"));
    calls.put("maxRequestBodyBytes : 0 (expected: > 0)", () -> server.maxRequestBodyBytes(0));
    calls.put(
        "requestBodyTimeout : PT0S (expected: > 0)",
        () -> server.requestBodyTimeout(Duration.ZERO));
    calls.put(
        "requestHeadTimeout : PT0S (expected: > 0)",
        () -> server.requestHeadTimeout(Duration.ZERO));
    calls.put(
        "httpIdleTimeout : PT0S (expected: > 0)", () -> server.httpIdleTimeout(Duration.ZERO));
    calls.put(
        "maxUnfinishedRequestsPerAddress : 0 (expected: > 0)",
        () -> server.maxUnfinishedRequestsPerAddress(0));
    calls.put(
        "staticFiles : web (expected: an existing directory)",
        () -> server.staticFiles(Path.of("web")));
    calls.put("shutdownGrace : PT0S (expected: > 0)", () -> server.shutdownGrace(Duration.ZERO));

    RedisSessionStore.Builder redis = RedisSessionStore.newBuilder("redis://127.0.0.1:6379");
    calls.put(
        "uri : http://x (expected: redis://[:password@]host:port, or redis-sentinel://...)",
        () -> RedisSessionStore.newBuilder("http://x"));
    calls.put("prefix : a b (expected: letters, digits, - _ . :)", () -> redis.prefix("a b"));
    calls.put("commandTimeout : PT0S (expected: > 0)", () -> redis.commandTimeout(Duration.ZERO));
    calls.put(
        "reconnectDelayMax : PT0S (expected: > 0)", () -> redis.reconnectDelayMax(Duration.ZERO));
    calls.put("rebuildWindow : PT0S (expected: > 0)", () -> redis.rebuildWindow(Duration.ZERO));
    calls.put("dedupWindow : PT0S (expected: > 0)", () -> redis.dedupWindow(Duration.ZERO));
    calls.put("tombstoneTtl : PT0S (expected: > 0)", () -> redis.tombstoneTtl(Duration.ZERO));
    calls.put("sweepInterval : PT0S (expected: > 0)", () -> redis.sweepInterval(Duration.ZERO));
    calls.put("maxAttempts : 0 (expected: > 0)", () -> redis.maxAttempts(0));
    return calls;
  }

  /** The page's quoted messages, lines joined (a message may wrap). */
  private static List<String> quoted() throws IOException {
    String page = Files.readString(PAGE).replaceAll("\\s*\\n\\s*", " ");
    List<String> messages = new ArrayList<>();
    Matcher m = QUOTED.matcher(page);
    while (m.find()) {
      String message = m.group(1);
      if (message.contains("expected") && !message.startsWith("name : value")) {
        messages.add(message);
      }
    }
    return messages;
  }

  @Test
  void everyMessageThePageQuotes_isTheCodesWordForWord() throws IOException {
    Map<String, ThrowingCallable> calls = calls();
    for (String message : quoted()) {
      if (message.startsWith("broadcast.")) {
        continue; // The starter's: StartFailureIT.
      }
      assertThat(calls)
          .as("a call that produces the page's message: " + message)
          .containsKey(message);
    }
    for (Map.Entry<String, ThrowingCallable> call : calls.entrySet()) {
      assertThatThrownBy(call.getValue()).as(call.getKey()).hasMessage(call.getKey());
    }
  }

  @Test
  void everyCheckedMessage_isOnThePage() throws IOException {
    assertThat(quoted()).containsAll(calls().keySet());
  }
}
