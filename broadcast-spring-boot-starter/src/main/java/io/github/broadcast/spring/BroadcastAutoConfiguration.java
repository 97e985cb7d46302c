package io.github.broadcast.spring;

import static io.github.broadcast.spring.PropertyErrors.required;

import io.github.broadcast.BroadcastListener;
import io.github.broadcast.BroadcastStats;
import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.OutboxLimits;
import io.github.broadcast.SessionStore;
import io.github.broadcast.internal.ClientFiles;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.jakarta.TopicAccess;
import jakarta.servlet.http.HttpServlet;
import jakarta.websocket.server.ServerContainer;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configures a {@link Broadcaster} from {@code broadcast.*} ({@link BroadcastProperties}), its
 * endpoint at {@code broadcast.path} on the servlet container's Jakarta WebSocket {@code
 * ServerContainer} (Tomcat's, Jetty's), its meters when Micrometer is present, and a lifecycle that
 * closes every client with 1001 before the web server stops. Your own {@code Broadcaster} or {@code
 * BroadcastEndpointConfig} bean replaces ours; a {@code TopicAccess} bean decides which topics each
 * client may see ({@code broadcast.topics.field} sorts sessions into them).
 *
 * <p>Publish with the {@code Broadcaster} bean; it is closed with the context.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(ServerContainer.class)
@ConditionalOnProperty(prefix = "broadcast", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(BroadcastProperties.class)
public class BroadcastAutoConfiguration {

  /**
   * The broadcaster: the preset, then every property that is set. The endpoint's properties are
   * checked first, so that a start that fails on one has started no thread.
   */
  @Bean
  @ConditionalOnMissingBean
  public Broadcaster broadcaster(
      BroadcastProperties properties, ObjectProvider<BroadcastListener> listeners) {
    endpointConfig(INERT, properties, null); // Checks every endpoint property; starts nothing.
    Broadcasters.Builder builder = properties.getPreset().newBuilder();
    String topicField = properties.getTopics().getField();
    if (topicField != null) {
      if (topicField.isBlank()) {
        throw new InvalidBroadcastPropertyException(
            "broadcast.topics.field : blank (expected: the state's member that names the topic)");
      }
      builder.topics(update -> update.state().path(topicField).asString(null));
    }
    if (properties.getBatchInterval() != null) {
      PropertyErrors.named(
          () -> builder.batchInterval(properties.getBatchInterval()),
          "batchInterval",
          "broadcast.batch-interval");
    }
    if (properties.getMaxBatchDelay() != null) {
      PropertyErrors.named(
          () -> builder.maxBatchDelay(properties.getMaxBatchDelay()),
          "maxBatchDelay",
          "broadcast.max-batch-delay");
    }
    if (properties.getSendTimeout() != null) {
      PropertyErrors.named(
          () -> builder.sendTimeout(properties.getSendTimeout()),
          "sendTimeout",
          "broadcast.send-timeout");
    }
    if (properties.getOverflowPolicy() != null) {
      builder.overflowPolicy(properties.getOverflowPolicy());
    }
    BroadcastProperties.Outbox outbox = properties.getOutbox();
    if (outbox.getMaxBytes() != null
        || outbox.getMaxFrames() != null
        || outbox.getGrace() != null) {
      OutboxLimits base = OutboxLimits.DEFAULT;
      PropertyErrors.named(
          () ->
              builder.outboxLimits(
                  new OutboxLimits(
                      outbox.getMaxBytes() == null
                          ? base.maxBytes()
                          : outbox.getMaxBytes().toBytes(),
                      outbox.getMaxFrames() == null ? base.maxFrames() : outbox.getMaxFrames(),
                      outbox.getGrace() == null ? base.grace() : outbox.getGrace())),
          "maxBytes",
          "broadcast.outbox.max-bytes",
          "maxFrames",
          "broadcast.outbox.max-frames",
          "grace",
          "broadcast.outbox.grace");
    }
    BroadcastProperties.Heartbeat heartbeat = properties.getHeartbeat();
    if (heartbeat.getInterval() != null && !heartbeat.getInterval().isZero()) {
      PropertyErrors.named(
          () -> builder.heartbeat(heartbeat.getInterval(), heartbeat.getSilenceTimeout()),
          "heartbeat interval",
          "broadcast.heartbeat.interval",
          "heartbeat silenceTimeout",
          "broadcast.heartbeat.silence-timeout");
    }
    // Every BroadcastListener bean (the meters', with broadcast-micrometer), looked up lazily.
    builder.listener(
        new AllListeners(() -> listeners.orderedStream().collect(Collectors.toList())));
    return builder.build();
  }

  /** The endpoint's configuration: path, origins, limits. */
  @Bean
  @ConditionalOnMissingBean
  public BroadcastEndpointConfig broadcastEndpointConfig(
      Broadcaster broadcaster,
      BroadcastProperties properties,
      ObjectProvider<TopicAccess> topicAccess) {
    return endpointConfig(broadcaster, properties, topicAccess.getIfUnique());
  }

  /** Stands in for the broadcaster while the endpoint's properties are checked: never called. */
  private static final Broadcaster INERT =
      (Broadcaster)
          Proxy.newProxyInstance(
              Broadcaster.class.getClassLoader(),
              new Class<?>[] {Broadcaster.class},
              (proxy, method, args) -> {
                throw new UnsupportedOperationException("a stand-in for checking properties");
              });

  /**
   * The endpoint's configuration from {@code properties} and the application's {@link TopicAccess}
   * (null: none); a bad property fails naming it ({@link InvalidBroadcastPropertyException}).
   */
  static BroadcastEndpointConfig endpointConfig(
      Broadcaster broadcaster, BroadcastProperties properties, TopicAccess topicAccess) {
    BroadcastProperties.ConnectionRate rate = properties.getConnectionRate();
    BroadcastEndpointConfig.Builder builder =
        BroadcastEndpointConfig.newBuilder(properties.getPath(), broadcaster);
    PropertyErrors.named(
        () -> builder.maxMessageBytes(Math.toIntExact(properties.getMaxMessageSize().toBytes())),
        "maxMessageBytes",
        "broadcast.max-message-size");
    PropertyErrors.named(
        () -> builder.maxClients(properties.getMaxClients()),
        "maxClients",
        "broadcast.max-clients");
    double perSecond = required("broadcast.connection-rate.per-second", rate.getPerSecond());
    int burst = required("broadcast.connection-rate.burst", rate.getBurst());
    PropertyErrors.named(
        () -> builder.connectionRate(perSecond, burst),
        "connectionRate perSecond",
        "broadcast.connection-rate.per-second",
        "connectionRate burst",
        "broadcast.connection-rate.burst");
    PropertyErrors.named(
        () -> builder.forwardedHeader(properties.getForwardedHeader()),
        "forwardedHeader",
        "broadcast.forwarded-header");
    PropertyErrors.named(
        () -> builder.trustedProxies(properties.getTrustedProxies()),
        "trustedProxies",
        "broadcast.trusted-proxies");
    if (properties.getMaxClientsPerAddress() != null) {
      PropertyErrors.named(
          () -> builder.maxClientsPerAddress(properties.getMaxClientsPerAddress()),
          "maxClientsPerAddress",
          "broadcast.max-clients-per-address");
    }
    BroadcastProperties.ConnectionRate perAddress = properties.getConnectionRatePerAddress();
    if (perAddress.getPerSecond() != null || perAddress.getBurst() != null) {
      double ownPerSecond =
          required("broadcast.connection-rate-per-address.per-second", perAddress.getPerSecond());
      int ownBurst = required("broadcast.connection-rate-per-address.burst", perAddress.getBurst());
      PropertyErrors.named(
          () -> builder.connectionRatePerAddress(ownPerSecond, ownBurst),
          "connectionRatePerAddress perSecond",
          "broadcast.connection-rate-per-address.per-second",
          "connectionRatePerAddress burst",
          "broadcast.connection-rate-per-address.burst");
    }
    if (properties.isAllowAnyOrigin()) {
      builder.allowAnyOrigin();
    } else if (properties.getAllowedOrigins().isEmpty()) {
      throw new InvalidBroadcastPropertyException(
          "broadcast.allowed-origins : none (expected: the origin of the pages that connect, such"
              + " as https://dashboard.example.com, or broadcast.allow-any-origin=true)");
    } else {
      PropertyErrors.named(
          () -> builder.allowedOrigins(properties.getAllowedOrigins().toArray(String[]::new)),
          "allowedOrigins",
          "broadcast.allowed-origins");
    }
    if (properties.getRequiredToken() != null) {
      PropertyErrors.named(
          () -> builder.requiredToken(properties.getRequiredToken()),
          "requiredToken",
          "broadcast.required-token");
    }
    PropertyErrors.named(
        () -> builder.topicParameter(properties.getTopics().getParameter()),
        "topicParameter",
        "broadcast.topics.parameter");
    if (topicAccess != null) {
      builder.topicAccess(topicAccess);
    }
    return builder.build();
  }

  /** Adds the endpoint to the servlet container's {@code ServerContainer}. */
  @Bean
  BroadcastEndpointRegistrar broadcastEndpointRegistrar(BroadcastEndpointConfig endpoint) {
    return new BroadcastEndpointRegistrar(endpoint);
  }

  /** A servlet over the endpoint's path, so that the container routes upgrades to it. */
  @Bean
  public ServletRegistrationBean<HttpServlet> broadcastUpgradeServlet(
      BroadcastEndpointConfig endpoint) {
    ServletRegistrationBean<HttpServlet> servlet =
        new ServletRegistrationBean<>(new UpgradeRequiredServlet(), endpoint.path());
    servlet.setName("broadcast-upgrade");
    return servlet;
  }

  /**
   * The browser client at {@code /broadcast/client.js} and {@code /broadcast/client.d.ts} (exactly
   * these paths), with or without Spring MVC; off with {@code broadcast.serve-client=false}.
   */
  @Bean
  @ConditionalOnProperty(
      prefix = "broadcast",
      name = "serve-client",
      havingValue = "true",
      matchIfMissing = true)
  @ConditionalOnMissingBean(name = "broadcastClientServlet")
  public ServletRegistrationBean<HttpServlet> broadcastClientServlet() {
    ServletRegistrationBean<HttpServlet> servlet =
        new ServletRegistrationBean<>(
            new ClientModuleServlet(), ClientFiles.MODULE, ClientFiles.TYPES);
    servlet.setName("broadcast-client");
    return servlet;
  }

  /** Closes every client with 1001 before the web server stops. */
  @Bean
  BroadcastShutdown broadcastShutdown(
      BroadcastEndpointConfig endpoint, BroadcastProperties properties) {
    Duration grace = properties.getShutdownGrace();
    return new BroadcastShutdown(endpoint, grace);
  }

  /**
   * Health indicators, where Spring Boot's health support is present: {@code broadcast} (the
   * endpoint's clients and connections) and, when the application has a {@code SessionStore} bean,
   * {@code sessionStore}: UP while it accepts changes, OUT_OF_SERVICE while it pauses them (a Redis
   * store reconnecting, reconciling or rebuilding). Add {@code sessionStore} to the readiness group
   * ({@code management.endpoint.health.group.readiness.include=readinessState,sessionStore}) so
   * that a node that cannot write takes no traffic.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class HealthIndicators {
    @Bean
    @ConditionalOnMissingBean(name = "broadcastHealthIndicator")
    HealthIndicator broadcastHealthIndicator(
        Broadcaster broadcaster, BroadcastEndpointConfig endpoint) {
      return () -> {
        BroadcastStats stats = broadcaster.stats();
        return Health.up()
            .withDetail("path", endpoint.path())
            .withDetail("clients", stats.clients())
            .withDetail("clientsBehind", stats.clientsBehind())
            .withDetail("connections", endpoint.stats().open())
            .build();
      };
    }

    @Bean
    @ConditionalOnBean(SessionStore.class)
    @ConditionalOnMissingBean(name = "sessionStoreHealthIndicator")
    HealthIndicator sessionStoreHealthIndicator(SessionStore store) {
      return () ->
          store.acceptsWrites()
              ? Health.up().withDetail("sessions", store.size()).build()
              : Health.outOfService()
                  .withDetail(
                      "reason", "changes are paused: reconnecting, reconciling or rebuilding")
                  .build();
    }
  }
}
