package io.github.broadcast.testing.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.Topics;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.testing.FakeTicker;
import io.github.broadcast.testing.RawWebSocket;
import io.github.broadcast.testing.RecordedCloses;
import io.github.broadcast.testing.RecordingClient;
import io.github.broadcast.testing.WsTestClient;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What broadcast-jakarta's endpoint promises on any Jakarta WebSocket container, run against each
 * (a subclass per container supplies {@link #container()}): {@code initial_state} first, then every
 * update in order with no gap and no duplicate; every preset converges; a stalled reader holds back
 * no one and its send timeout closes it and frees its place; the message limits (1009, 1008), the
 * origin check, the token, the connection cap and rate; 1001 at shutdown; churn leaves no
 * registered ghost. Every test's display name starts with the container's name ({@code [tomcat]}),
 * so a report shows where it ran.
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
@DisplayNameGeneration(EndpointContract.ContainerNames.class)
public abstract class EndpointContract {

  /** Prefixes each test's name with its container's: {@code TomcatContractIT} runs "[tomcat]". */
  public static final class ContainerNames extends DisplayNameGenerator.Standard {
    @Override
    public String generateDisplayNameForMethod(
        List<Class<?>> enclosingInstanceTypes, Class<?> testClass, Method testMethod) {
      String name = testClass.getSimpleName();
      int end = name.indexOf("Contract");
      String container = (end > 0 ? name.substring(0, end) : name).toLowerCase(Locale.ROOT);
      return "["
          + container
          + "] "
          + super.generateDisplayNameForMethod(enclosingInstanceTypes, testClass, testMethod);
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String TASK = "x".repeat(8 * 1024); // 8 KiB updates fill buffers fast.

  private final HttpClient http = HttpClient.newHttpClient();
  private final RecordedCloses closes = new RecordedCloses();
  private final List<WsTestClient> clients = new ArrayList<>();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private Container container;
  private Broadcaster broadcaster;
  private URI uri;

  /** A fresh, unstarted container. */
  protected abstract Container container();

  private URI start(Broadcasters.Builder broadcasterBuilder) throws Exception {
    return start(broadcasterBuilder, b -> b);
  }

  private URI start(
      Broadcasters.Builder broadcasterBuilder,
      UnaryOperator<BroadcastEndpointConfig.Builder> configure)
      throws Exception {
    broadcaster = broadcasterBuilder.listener(closes).build();
    container = container();
    uri =
        container.start(
            configure.apply(
                BroadcastEndpointConfig.newBuilder("/ws/dashboard", broadcaster)
                    .allowedOrigins("http://localhost")));
    return uri;
  }

  private WsTestClient connect(String id) throws Exception {
    WsTestClient client = WsTestClient.connect(http, uri, id, null);
    clients.add(client);
    return client;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
    if (container != null) {
      container.close();
    }
    if (broadcaster != null) {
      broadcaster.close();
    }
    clients.forEach(client -> client.recorder().assertConsistent());
  }

  private static SessionUpdate update(String sessionId, long version, String task) {
    ObjectNode state = MAPPER.createObjectNode().put("status", "working").put("task", task);
    return SessionUpdate.of(sessionId, version, state);
  }

  @Test
  void initialStateFirst_thenEveryUpdate_inOrder_withNoGapAndNoDuplicate() throws Exception {
    start(Broadcasters.Preset.CONCURRENT.newBuilder());
    broadcaster.publish(update("before", 1, "already there"));
    List<WsTestClient> watching = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      WsTestClient client = connect("c" + i);
      client.recorder().expectConsecutive();
      watching.add(client);
    }
    await().until(() -> broadcaster.stats().clients() == 5);
    for (int v = 1; v <= 200; v++) {
      for (int s = 0; s < 5; s++) {
        broadcaster.publish(update("s" + s, v, "step " + v));
      }
    }
    Map<String, Long> expected = new HashMap<>(Map.of("before", 1L));
    for (int s = 0; s < 5; s++) {
      expected.put("s" + s, 200L);
    }
    for (WsTestClient client : watching) {
      await().untilAsserted(() -> assertThat(client.recorder().view()).isEqualTo(expected));
      assertThat(client.recorder().types().get(0)).isEqualTo("initial_state");
      assertThat(client.recorder().types()).filteredOn("initial_state"::equals).hasSize(1);
    }
  }

  /**
   * Issue 24: a page that asks for patches ({@code ?delta=1}) gets each change as a patch from the
   * version it holds, and one that reconnects with {@code ?since=V&epoch=E} gets only what changed
   * meanwhile, removals included; a page that asks for neither gets whole states, as before.
   */
  @Test
  void patchesForThoseWhoAsk_andAReconnectResumesWithOnlyWhatChanged() throws Exception {
    start(Broadcasters.Preset.PRODUCTION.newBuilder());
    broadcaster.publish(update("a", 1, "first"));
    broadcaster.publish(update("b", 2, "first"));
    broadcaster.publish(update("c", 3, "first"));
    RecordingClient patching = new RecordingClient("patching").receivingPatches();
    WsTestClient page = WsTestClient.connect(http, URI.create(uri + "?delta=1"), patching);
    clients.add(page);
    WsTestClient plain = connect("plain");
    await().until(() -> broadcaster.stats().clients() == 2);
    broadcaster.publish(update("a", 4, "second"));
    await().until(() -> patching.view().get("a") == 4L && plain.recorder().view().get("a") == 4L);
    assertThat(patching.patchesApplied()).isEqualTo(1);
    assertThat(patching.sessions()).isEqualTo(plain.recorder().sessions());
    assertThat(plain.recorder().frames()).noneMatch(frame -> frame.contains("\"base\""));

    page.close(); // The link drops; two changes meanwhile.
    await().until(() -> broadcaster.stats().clients() == 1);
    broadcaster.publish(update("b", 5, "second"));
    broadcaster.publish(SessionUpdate.tombstone("c", 6));
    RecordingClient back = new RecordingClient("back").receivingPatches().resuming(patching, null);
    String epoch = back.resumeFrom().epoch();
    WsTestClient again =
        WsTestClient.connect(http, URI.create(uri + "?delta=1&since=4&epoch=" + epoch), back);
    clients.add(again);

    await().until(() -> back.resumes() == 1);
    String resumed = back.frames().get(0);
    assertThat(resumed)
        .startsWith("{\"type\":\"initial_state\",\"epoch\":\"" + epoch + "\",\"since\":4,");
    assertThat(resumed).contains("\"session_id\":\"b\"", "\"session_id\":\"c\"");
    assertThat(resumed).doesNotContain("\"session_id\":\"a\"");
    assertThat(back.view()).isEqualTo(Map.of("a", 4L, "b", 5L));
    assertThat(broadcaster.stats().resumes()).isEqualTo(1);
  }

  private static SessionUpdate inProject(String sessionId, long version, String project) {
    ObjectNode state = MAPPER.createObjectNode().put("status", "working");
    return SessionUpdate.of(
        sessionId, version, project == null ? state : state.put("project", project));
  }

  /**
   * Issue 26: topics and who may see them. The hook reads the handshake's header {@code X-User}:
   * alice may see her project, admin everything. Each client receives only its topics, in its
   * initial_state and its updates; asking for a topic it may not see, at the handshake or in a
   * later subscribe, closes it with 1008 before anything of it is sent, and is counted; a session
   * that moves leaves the old topic as a removal; a subscribe sends an initial_state of the new
   * topics.
   */
  @Test
  void topics_eachClientReceivesOnlyWhatItMaySee_andARefusalIs1008() throws Exception {
    start(
        Broadcasters.Preset.PRODUCTION
            .newBuilder()
            .topics(u -> u.state().path("project").asString(null)),
        e ->
            e.topicParameter("project")
                .topicAccess(
                    request -> {
                      String user = request.header("X-User");
                      return "admin".equals(user)
                          ? Topics.all()
                          : user == null ? Topics.none() : Topics.of(user);
                    }));
    broadcaster.publish(inProject("a1", 1, "alice"));
    broadcaster.publish(inProject("b1", 2, "bob"));
    broadcaster.publish(inProject("n1", 3, null));
    RecordingClient alice = new RecordingClient("alice").watching(Topics.of("alice"), "project");
    clients.add(WsTestClient.connectWith(http, uri, alice, Map.of("X-User", "alice")));
    RecordingClient admin = new RecordingClient("admin").watching(Topics.of("bob"), "project");
    WsTestClient adminSocket =
        WsTestClient.connectWith(
            http, URI.create(uri + "?project=bob"), admin, Map.of("X-User", "admin"));
    clients.add(adminSocket);
    WsTestClient nobody = WsTestClient.connect(http, uri, "nobody", null);
    WsTestClient prying =
        WsTestClient.connectWith(
            http, URI.create(uri + "?project=bob"), "prying", Map.of("X-User", "alice"));
    assertThat(nobody.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    assertThat(prying.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    assertThat(nobody.recorder().frames()).isEmpty();
    assertThat(prying.recorder().frames()).isEmpty();
    await().until(() -> alice.initialStates() == 1 && admin.initialStates() == 1);
    assertThat(alice.view()).containsOnlyKeys("a1");
    assertThat(admin.view()).containsOnlyKeys("b1");

    admin.subscribed(Topics.of("alice"));
    adminSocket.send("{\"type\":\"subscribe\",\"topics\":[\"alice\"]}");
    await().until(() -> admin.initialStates() == 2);
    assertThat(admin.view()).containsOnlyKeys("a1");
    broadcaster.publish(inProject("a1", 4, "bob")); // Moves out of alice.
    broadcaster.publish(inProject("a2", 5, "alice"));
    broadcaster.publish(inProject("b1", 6, "bob"));
    await().until(() -> alice.view().equals(Map.of("a2", 5L)) && admin.view().equals(alice.view()));
    assertThat(alice.mentioned()).containsOnly("a1", "a2");

    WsTestClient greedy = WsTestClient.connectWith(http, uri, "greedy", Map.of("X-User", "alice"));
    await().until(() -> greedy.recorder().initialStates() == 1);
    greedy.send("{\"type\":\"subscribe\",\"topics\":[\"bob\"]}");
    assertThat(greedy.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    assertThat(greedy.recorder().mentioned()).containsOnly("a2");
    WsTestClient sloppy = WsTestClient.connectWith(http, uri, "sloppy", Map.of("X-User", "admin"));
    await().until(() -> sloppy.recorder().initialStates() == 1);
    sloppy.send("{\"type\":\"subscribe\",\"topics\":\"bob\"}"); // Not an array.
    assertThat(sloppy.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    WsTestClient empty = WsTestClient.connectWith(http, uri, "empty", Map.of("X-User", "admin"));
    await().until(() -> empty.recorder().initialStates() == 1);
    empty.send("{\"type\":\"subscribe\",\"topics\":[]}"); // No topic at all: a mistake.
    assertThat(empty.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    assertThat(container.stats().refusedTopics()).isEqualTo(5);
    await().until(() -> broadcaster.subscribers().equals(Map.of("alice", 2)));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Broadcasters.Preset.class)
  void everyPreset_convergesUnderABurstFromFourThreads(Broadcasters.Preset preset)
      throws Exception {
    start(preset.newBuilder());
    for (int i = 0; i < 20; i++) {
      connect("c" + i);
    }
    await().until(() -> broadcaster.stats().clients() == 20);
    ExecutorService publishers = Executors.newFixedThreadPool(4);
    resources.add(publishers::shutdownNow);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> work = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      int publisher = p;
      work.add(
          publishers.submit(
              () -> {
                go.await();
                for (int v = 1; v <= 100; v++) {
                  broadcaster.publish(update("p" + publisher + "s" + (v % 5), v, "n" + v));
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> future : work) {
      future.get(60, TimeUnit.SECONDS);
    }
    Map<String, Long> expected = new HashMap<>();
    for (int p = 0; p < 4; p++) {
      for (int s = 0; s < 5; s++) {
        expected.put("p" + p + "s" + s, s == 0 ? 100L : 95L + s);
      }
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              for (WsTestClient client : clients) {
                assertThat(client.recorder().view()).as(client.recorder().id()).isEqualTo(expected);
              }
            });
    assertThat(broadcaster.stats().closedTotal()).isZero();
  }

  @Test
  void stalledReader_holdsBackNoOne_andItsSendTimeoutClosesIt_andFreesItsPlace() throws Exception {
    start(
        Broadcasters.Preset.CONCURRENT.newBuilder().sendTimeout(Duration.ofSeconds(2)),
        endpoint -> endpoint.maxClients(2));
    RawWebSocket stalled = RawWebSocket.handshake(uri);
    resources.add(stalled);
    assertThat(stalled.response()).startsWith("HTTP/1.1 101");
    WsTestClient healthy = connect("healthy");
    await().until(() -> broadcaster.stats().clients() == 2);

    long version = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (closes.isEmpty() && System.nanoTime() < deadline) {
      broadcaster.publish(update("s" + (++version % 4), version, TASK));
      long published = version;
      if (version % 50 == 0) {
        // The healthy client keeps up while the other is stalled.
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    healthy.recorder().view().getOrDefault("s" + (published % 4), 0L) == published);
      }
    }
    assertThat(closes.names()).as("the stalled client was closed").containsExactly("SEND_TIMEOUT");
    await().until(() -> broadcaster.stats().clients() == 1);
    // Its place is free again, whether or not the container ever reports the close.
    await().atMost(Duration.ofSeconds(30)).until(() -> container.stats().open() == 1);
    WsTestClient next = connect("next");
    await().until(() -> next.recorder().types().contains("initial_state"));
  }

  @Test
  void inboundMessageOver64KiB_isClosedWith1009_andTheOthersSeeNothing() throws Exception {
    start(Broadcasters.Preset.CONCURRENT.newBuilder());
    WsTestClient other = connect("other");
    WsTestClient big = connect("big");
    await().until(() -> broadcaster.stats().clients() == 2);
    big.sendAsync("x".repeat(65 * 1024)); // May fail to finish: the server closes first.
    assertThat(big.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1009);
    await().until(() -> broadcaster.stats().clients() == 1);
    other.send("ping");
    await().until(() -> other.recorder().types().contains("pong"));
    assertThat(other.closeCode()).isNotDone();
  }

  @Test
  void inboundSingleFrameOver64KiB_isClosedWith1009_andNothingIsBroadcast() throws Exception {
    start(Broadcasters.Preset.CONCURRENT.newBuilder());
    WsTestClient other = connect("other");
    await().until(() -> broadcaster.stats().clients() == 1);
    // One frame, which the JDK client never sends for a long message (it fragments): a container
    // may apply its limit to fragments only, and then the endpoint must.
    try (RawWebSocket big = RawWebSocket.handshake(uri)) {
      await().until(() -> broadcaster.stats().clients() == 2);
      try {
        big.sendText("ping" + " ".repeat(64 * 1024)); // A command, were it within the limit.
      } catch (IOException e) {
        // The server may close before it has read the whole frame; its close frame came first.
      }
      assertThat(big.awaitCloseCode()).isEqualTo(1009);
    }
    await().until(() -> broadcaster.stats().clients() == 1);
    other.send("ping");
    await().until(() -> other.recorder().types().contains("pong"));
    assertThat(other.recorder().types()).containsExactly("initial_state", "pong");
    assertThat(other.closeCode()).isNotDone();
  }

  /**
   * What a client paced by pongs sees on the wire, on every container: each message is one whole
   * text frame however large (the container's direct path writes the bytes encoded once; Tomcat's
   * sendText would send 8 KiB fragments), a numbered ping follows each data frame, and an update
   * published before the pong waits for it, then comes with the next frame.
   */
  @Test
  void pacedByPongs_eachMessageIsOneFrame_thenAPing_andTheNextWaitsForItsPong() throws Exception {
    start(Broadcasters.Preset.PRODUCTION.newBuilder());
    RawWebSocket raw = RawWebSocket.handshake(uri);
    resources.add(raw);
    RawWebSocket.Frame snapshot = raw.readFrame();
    assertThat(snapshot.opcode()).isEqualTo(0x1);
    assertThat(snapshot.fin()).isTrue();
    assertThat(new String(snapshot.payload(), StandardCharsets.UTF_8)).contains("initial_state");
    RawWebSocket.Frame ping = raw.readFrame();
    assertThat(ping.opcode()).isEqualTo(0x9);
    assertThat(ping.payload()).hasSize(8);

    broadcaster.publish(update("s", 1, TASK + TASK)); // 16 KiB: two of Tomcat's text pieces.
    await().until(() -> broadcaster.stats().clientsBehind() == 1); // Passed by, owed it.
    raw.sendFrame(0x8A, ping.payload()); // The pong that proves the snapshot consumed.

    RawWebSocket.Frame update = raw.readFrame();
    assertThat(update.opcode()).isEqualTo(0x1);
    assertThat(update.fin()).isTrue();
    assertThat(update.payload().length).isGreaterThan(16 * 1024);
    assertThat(new String(update.payload(), StandardCharsets.UTF_8)).contains("\"s\"");
    RawWebSocket.Frame next = raw.readFrame();
    assertThat(next.opcode()).isEqualTo(0x9);
    assertThat(next.payload()).hasSize(8).isNotEqualTo(ping.payload());
    assertThat(broadcaster.stats().clientsBehind()).isZero();
  }

  @Test
  void binaryMessage_isClosedWith1008() throws Exception {
    start(Broadcasters.Preset.CONCURRENT.newBuilder());
    WsTestClient client = connect("binary");
    client.sendBinary(new byte[] {1, 2, 3});
    assertThat(client.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
  }

  @Test
  void foreignOrigin_isRefusedAtTheHandshake_andAnAllowedOneAccepted() throws Exception {
    start(Broadcasters.Preset.CONCURRENT.newBuilder());
    assertThatThrownBy(() -> WsTestClient.connect(http, uri, "evil", "https://evil.example"))
        .hasCauseInstanceOf(WebSocketHandshakeException.class);
    WsTestClient page = WsTestClient.connect(http, uri, "page", "http://localhost");
    clients.add(page);
    await().until(() -> page.recorder().types().contains("initial_state"));
    assertThat(broadcaster.stats().clients()).isEqualTo(1);
  }

  @Test
  void requiredToken_missingOrWrong_isClosedWith1008_beforeAnyUpdate() throws Exception {
    start(Broadcasters.Preset.CONCURRENT.newBuilder(), e -> e.requiredToken("s3cret"));
    WsTestClient none = WsTestClient.connect(http, uri, "none", null);
    WsTestClient wrong = WsTestClient.connect(http, URI.create(uri + "?token=nope"), "x", null);
    assertThat(none.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    assertThat(wrong.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    assertThat(none.recorder().frames()).isEmpty();
    WsTestClient good = connect0(URI.create(uri + "?token=s3cret"), "good");
    await().until(() -> good.recorder().types().contains("initial_state"));
    assertThat(container.stats().refusedToken()).isEqualTo(2);
  }

  private void admitted(String id) throws Exception {
    WsTestClient client = connect(id);
    await().until(() -> client.recorder().types().contains("initial_state"));
  }

  private WsTestClient connect0(URI target, String id) throws Exception {
    WsTestClient client = WsTestClient.connect(http, target, id, null);
    clients.add(client);
    return client;
  }

  @Test
  void pastTheConnectionCapOrRate_isClosedWith1013_andCounted() throws Exception {
    FakeTicker ticker = new FakeTicker();
    start(
        Broadcasters.Preset.CONCURRENT.newBuilder(),
        e -> e.maxClients(3).connectionRate(1, 2).ticker(ticker));
    // Each admitted one's initial_state before the next handshake: a client's handshake can
    // complete before the server has run onOpen (admission), so without it the refused one could
    // be another than the one expected.
    admitted("a");
    admitted("b");
    WsTestClient third = WsTestClient.connect(http, uri, "c", null);
    assertThat(third.closeCode().get(30, TimeUnit.SECONDS)).as("over the rate").isEqualTo(1013);
    ticker.advance(Duration.ofSeconds(10));
    admitted("d");
    WsTestClient fourth = WsTestClient.connect(http, uri, "e", null);
    assertThat(fourth.closeCode().get(30, TimeUnit.SECONDS)).as("over the cap").isEqualTo(1013);
    assertThat(container.stats().refusedRate()).isEqualTo(1);
    assertThat(container.stats().refusedCapacity()).isEqualTo(1);
    await().until(() -> broadcaster.stats().clients() == 3);
  }

  @Test
  void textPing_isAnsweredWithPong_andAFloodOfMessagesIsClosedWith1008() throws Exception {
    start(Broadcasters.Preset.CONCURRENT.newBuilder());
    WsTestClient polite = connect("polite");
    polite.send("ping");
    await().until(() -> polite.recorder().types().contains("pong"));
    assertThat(polite.recorder().types()).startsWith("initial_state", "pong");
    WsTestClient flood = connect("flood");
    // One at a time: the JDK client fails a send started while another is pending, and a failed
    // send never reaches the server. Past the burst (20), a send may fail because the server has
    // closed, which ends the flood.
    for (int i = 0; i < 25 && !flood.closeCode().isDone(); i++) {
      try {
        flood.sendAsync("ping").get(10, TimeUnit.SECONDS);
      } catch (ExecutionException closedMeanwhile) {
        break;
      }
    }
    assertThat(flood.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    assertThat(polite.closeCode()).isNotDone();
  }

  /**
   * A client that goes on sending for a moment after the flood that closes it: its later messages
   * are dropped, and it still reads 1008. Jetty closes the connection as soon as a close frame with
   * such a code has left, and answers what arrives after it with a reset, which a client still
   * writing reports instead of the close frame (1006); so the close waits until the client has
   * fallen silent.
   */
  @Test
  void aFloodThatGoesOnAMoment_afterItsViolation_stillReads1008() throws Exception {
    start(Broadcasters.Preset.CONCURRENT.newBuilder());
    WsTestClient flood = connect("flood");
    // The burst is 20: message 21 is the violation; the client goes on for 200 ms more, as fast
    // as its sends complete, as a client in the middle of a loop would.
    long stopAt = Long.MAX_VALUE;
    for (int i = 1; i <= 10_000 && System.nanoTime() < stopAt; i++) {
      try {
        flood.sendAsync("ping").get(10, TimeUnit.SECONDS);
      } catch (ExecutionException closedMeanwhile) {
        break;
      }
      if (i == 21) {
        stopAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
      }
    }
    assertThat(flood.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    await().until(() -> container.stats().closedByServer().getOrDefault(1008, 0L) == 1);
    assertThat(container.stats().closedByClient()).isEmpty();
  }

  /**
   * One address reconnecting in a loop cannot take the others' capacity: behind a trusted proxy
   * (loopback here, the clients' addresses in {@code X-Forwarded-For}), the looping address spends
   * its own connection allowance, and the other addresses still get in after it. Without the limits
   * per address, its loop would have drained the shared rate and they would get 1013 too. On every
   * container: each one tells the client's address its own way.
   */
  @Test
  void oneAddressInAReconnectLoop_cannotTakeTheCapacityOfTheOthers() throws Exception {
    FakeTicker ticker = new FakeTicker(); // Never advanced: no allowance comes back.
    start(
        Broadcasters.Preset.CONCURRENT.newBuilder(),
        e ->
            e.connectionRate(1, 5)
                .connectionRatePerAddress(1, 2)
                .maxClientsPerAddress(2)
                .trustedProxies(List.of("127.0.0.1", "::1"))
                .ticker(ticker));
    int admitted = 0;
    int refused = 0;
    for (int i = 0; i < 10; i++) {
      WsTestClient looping = fromAddress("198.51.100.1", "loop" + i);
      int code = settle(looping);
      if (code == 1013) {
        refused++;
      } else {
        admitted++;
        looping.close(); // Gone again at once, as a reconnect loop is.
      }
    }
    assertThat(admitted).as("its own allowance").isEqualTo(2);
    assertThat(refused).isEqualTo(8);
    for (String other : new String[] {"198.51.100.2", "198.51.100.3", "2001:db8::7"}) {
      WsTestClient client = fromAddress(other, other);
      assertThat(settle(client)).as(other + " still gets in").isZero();
    }
    assertThat(container.stats().refusedAddress()).isEqualTo(8);
    assertThat(container.stats().refusedRate()).isZero();
    assertThat(container.stats().refusedCapacity()).isZero();
  }

  private WsTestClient fromAddress(String address, String id) throws Exception {
    WsTestClient client =
        WsTestClient.connectWith(http, uri, id, Map.of("X-Forwarded-For", address));
    clients.add(client);
    return client;
  }

  /** 0 once the client has its initial state, or the code it was closed with first. */
  private static int settle(WsTestClient client) {
    await()
        .until(
            () ->
                client.recorder().types().contains("initial_state") || client.closeCode().isDone());
    return client.recorder().types().contains("initial_state") ? 0 : client.closeCode().join();
  }

  /** How each admitted connection ended, and who ended it, is counted. */
  @Test
  void closes_areCountedByCode_andByWhoEndedThem() throws Exception {
    start(Broadcasters.Preset.CONCURRENT.newBuilder());
    connect("polite").close(); // 1000, from the client.
    connect("dropped").abort(); // No close frame: 1006.
    await()
        .until(
            () ->
                container.stats().closedByClient().values().stream()
                        .mapToLong(Long::longValue)
                        .sum()
                    == 2);
    assertThat(container.stats().closedByClient()).containsEntry(1000, 1L).containsEntry(1006, 1L);
    assertThat(container.stats().closedByServer()).isEmpty();
  }

  @Test
  void stoppingTheContainer_tellsEveryClient1001() throws Exception {
    start(Broadcasters.Preset.CONCURRENT.newBuilder());
    List<WsTestClient> open = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      open.add(connect("c" + i));
    }
    await().until(() -> broadcaster.stats().clients() == 5);
    container.close();
    container = null;
    for (WsTestClient client : open) {
      assertThat(client.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1001);
    }
  }

  @Test
  void churn_connectionsOpenedAndDropped_leaveNoGhostBehind() throws Exception {
    start(Broadcasters.Preset.PRODUCTION.newBuilder(), e -> e.connectionRate(10_000, 10_000));
    AtomicLong published = new AtomicLong();
    for (int i = 0; i < 300; i++) {
      broadcaster.publish(update("s", published.incrementAndGet(), "n" + i));
      switch (i % 3) {
        case 0 -> RawWebSocket.handshake(uri).abort(); // TCP reset, no close frame.
        case 1 -> WsTestClient.connect(http, uri, "a" + i, null).abort();
        default -> WsTestClient.connect(http, uri, "c" + i, null).close();
      }
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> broadcaster.stats().clients() == 0);
    await().atMost(Duration.ofSeconds(60)).until(() -> container.stats().open() == 0);
    assertThat(container.stats().admitted()).isEqualTo(300);
    WsTestClient fresh = connect("fresh");
    await().until(() -> fresh.recorder().view().getOrDefault("s", 0L) == published.get());
  }
}
