package io.github.broadcast.it.springsecurity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.SessionUpdate;
import io.github.broadcast.Topics;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.jakarta.TopicAccess;
import io.github.broadcast.testing.RecordingClient;
import io.github.broadcast.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import tools.jackson.databind.ObjectMapper;

/**
 * Issue 26: the README's topic-per-user example on Spring Boot with Spring Security, run as
 * written. Each session's state names its owner ({@code broadcast.topics.field=owner}); the {@code
 * TopicAccess} bean lets a user see the topic of their own name, read from the principal Spring
 * Security authenticated for the handshake. A user receives their sessions only; asking for
 * another's is refused (1008) with nothing sent; a session handed to another user leaves the first
 * as a removal; an unauthenticated handshake never reaches the endpoint (401).
 */
@Timeout(120) // A guard against a hang, not a speed assertion.
final class TopicPerUserIT {

  /** The example application: the README and the integrate page show these beans. */
  // snippet:topic-per-user
  @SpringBootApplication
  static class TopicPerUserApplication {

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
      return http.authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
          .httpBasic(Customizer.withDefaults())
          .build();
    }

    @Bean
    InMemoryUserDetailsManager users() {
      return new InMemoryUserDetailsManager(
          User.withUsername("alice").password("{noop}alice-pw").roles("USER").build(),
          User.withUsername("bob").password("{noop}bob-pw").roles("USER").build());
    }

    /** Each user may see the topic of their own name: their own sessions. */
    @Bean
    TopicAccess topicAccess() {
      return request ->
          request.principal() == null ? Topics.none() : Topics.of(request.principal().getName());
    }
  }

  // snippet:end

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private ConfigurableApplicationContext context;
  private Broadcaster broadcaster;
  private URI uri;

  @BeforeEach
  void start() {
    context =
        new SpringApplicationBuilder(TopicPerUserApplication.class)
            .properties("spring.config.name=topic-per-user") // topic-per-user.properties
            .run();
    broadcaster = context.getBean(Broadcaster.class);
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    uri =
        URI.create(
            "ws://127.0.0.1:" + port + context.getBean(BroadcastEndpointConfig.class).path());
  }

  @AfterEach
  void stop() {
    context.close();
  }

  private static SessionUpdate session(String id, long version, String owner) {
    return SessionUpdate.of(
        id, version, MAPPER.createObjectNode().put("owner", owner).put("status", "working"));
  }

  /** Basic credentials, and the page's origin (the properties allow only it). */
  private static Map<String, String> basic(String user, String password) {
    String credentials = user + ":" + password;
    return Map.of(
        "Authorization",
        "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)),
        "Origin",
        "https://sessions.example.com");
  }

  @Test
  void eachUserReceivesTheirOwnSessionsOnly_fromTheirSpringSecurityPrincipal() throws Exception {
    broadcaster.publish(session("a1", 1, "alice"));
    broadcaster.publish(session("b1", 2, "bob"));
    RecordingClient alice = new RecordingClient("alice").watching(Topics.of("alice"), "owner");
    RecordingClient bob = new RecordingClient("bob").watching(Topics.of("bob"), "owner");
    WsTestClient aliceSocket =
        WsTestClient.connectWith(http, uri, alice, basic("alice", "alice-pw"));
    WsTestClient bobSocket = WsTestClient.connectWith(http, uri, bob, basic("bob", "bob-pw"));
    await().until(() -> alice.view().size() == 1 && bob.view().size() == 1);
    assertThat(alice.view()).containsOnlyKeys("a1");
    assertThat(bob.view()).containsOnlyKeys("b1");

    broadcaster.publish(session("a2", 3, "alice"));
    broadcaster.publish(session("a1", 4, "bob")); // Handed to bob.
    await().until(() -> alice.view().keySet().equals(Set.of("a2")));
    await().until(() -> bob.view().keySet().equals(Set.of("a1", "b1")));
    assertThat(alice.mentioned()).containsOnly("a1", "a2");
    assertThat(bob.mentioned()).containsOnly("a1", "b1");

    // Alice asks for bob's topic: refused before anything is sent.
    WsTestClient prying =
        WsTestClient.connectWith(
            http, URI.create(uri + "?topic=bob"), "prying", basic("alice", "alice-pw"));
    assertThat(prying.closeCode().get(30, TimeUnit.SECONDS)).isEqualTo(1008);
    assertThat(prying.recorder().frames()).isEmpty();
    assertThat(context.getBean(BroadcastEndpointConfig.class).stats().refusedTopics()).isEqualTo(1);

    // No credentials: Spring Security answers 401, the endpoint never sees it.
    assertThatThrownBy(() -> WsTestClient.connect(http, uri, "anonymous", null))
        .hasCauseInstanceOf(WebSocketHandshakeException.class);
    aliceSocket.close();
    bobSocket.close();
    alice.assertConsistent();
    bob.assertConsistent();
  }
}
