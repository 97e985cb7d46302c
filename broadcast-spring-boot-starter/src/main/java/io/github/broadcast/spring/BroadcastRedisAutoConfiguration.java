package io.github.broadcast.spring;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.SessionStore;
import io.github.broadcast.micrometer.RedisMetrics;
import io.github.broadcast.redis.RedisSessionStore;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A {@link RedisSessionStore} bean, with {@code broadcast.redis.enabled=true} where broadcast-redis
 * and Spring Boot's Redis support (spring-boot-data-redis) are on the class path, unless the
 * application has a {@link SessionStore} bean of its own:
 *
 * <ul>
 *   <li>it connects where Boot's {@code spring.data.redis.*} say (its {@link
 *       DataRedisConnectionDetails}: host, port, database, user and password, SSL on or off; or
 *       Sentinel's master name, nodes and password), so that one set of properties serves the
 *       application's own Redis use and the store. With SSL, the server's certificate is checked
 *       against the JVM's trust store: an SSL bundle's own trust material is not applied (a Redis
 *       behind a private authority needs the store built by the application, with Lettuce's {@code
 *       SslOptions});
 *   <li>it shares Boot's Lettuce {@link ClientResources} (event loops, timer, metrics, tracing);
 *   <li>{@code broadcast.redis.*} set its prefix, timeouts and windows; {@link
 *       RedisSessionStoreBuilderCustomizer} beans the rest (when sessions expire);
 *   <li>every change it holds or hears of goes to the broadcaster, the sessions already there
 *       first;
 *   <li>its health ({@code sessionStore}: UP while it accepts changes, OUT_OF_SERVICE while it
 *       pauses them, with its connection state) and, with broadcast-micrometer, its meters ({@link
 *       RedisMetrics}).
 * </ul>
 *
 * A Redis Cluster or a static master/replica set is refused at start: the store needs one master,
 * for its scripts and its channel.
 */
@AutoConfiguration(
    after = DataRedisAutoConfiguration.class,
    before = BroadcastAutoConfiguration.class)
@ConditionalOnClass({RedisSessionStore.class, DataRedisConnectionDetails.class})
@ConditionalOnProperty(prefix = "broadcast.redis", name = "enabled", havingValue = "true")
class BroadcastRedisAutoConfiguration {

  /** The store, connected, with the whole view; closed when the context closes. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(SessionStore.class)
  RedisSessionStore redisSessionStore(
      DataRedisConnectionDetails connection,
      ObjectProvider<ClientResources> clientResources,
      BroadcastProperties properties,
      ObjectProvider<RedisSessionStoreBuilderCustomizer> customizers,
      ObjectProvider<Broadcaster> broadcaster) {
    BroadcastProperties.Redis redis = properties.getRedis();
    RedisSessionStore.Builder builder = RedisSessionStore.newBuilder(redisUri(connection));
    clientResources.ifAvailable(builder::clientResources);
    PropertyErrors.named(
        () -> builder.prefix(redis.getPrefix()), "prefix", "broadcast.redis.prefix");
    PropertyErrors.named(
        () -> builder.commandTimeout(redis.getCommandTimeout()),
        "commandTimeout",
        "broadcast.redis.command-timeout");
    PropertyErrors.named(
        () -> builder.reconnectDelayMax(redis.getReconnectDelayMax()),
        "reconnectDelayMax",
        "broadcast.redis.reconnect-delay-max");
    PropertyErrors.named(
        () -> builder.tombstoneTtl(redis.getTombstoneTtl()),
        "tombstoneTtl",
        "broadcast.redis.tombstone-ttl");
    if (redis.getRebuildWindow() != null) {
      PropertyErrors.named(
          () -> builder.rebuildWindow(redis.getRebuildWindow()),
          "rebuildWindow",
          "broadcast.redis.rebuild-window");
    }
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    RedisSessionStore store = builder.build();
    broadcaster.ifAvailable(b -> store.subscribe(b::publish)); // The sessions there, then changes.
    return store;
  }

  /**
   * The store's address as a Lettuce URI: standalone, or through Sentinel.
   *
   * @throws IllegalStateException for a Cluster or a static master/replica set
   */
  static RedisURI redisUri(DataRedisConnectionDetails connection) {
    if (connection.getCluster() != null || connection.getMasterReplica() != null) {
      throw new InvalidBroadcastPropertyException(
          "spring.data.redis : a Redis Cluster or master/replica set (expected: one Redis, or"
              + " Sentinel with spring.data.redis.sentinel.*; the session store needs one master"
              + " for its scripts and its channel)");
    }
    RedisURI.Builder uri;
    DataRedisConnectionDetails.Sentinel sentinel = connection.getSentinel();
    if (sentinel != null) {
      List<DataRedisConnectionDetails.Node> nodes = sentinel.getNodes();
      if (nodes.isEmpty()) {
        throw new InvalidBroadcastPropertyException(
            "spring.data.redis.sentinel.nodes : none (expected: host:port of each Sentinel)");
      }
      uri = RedisURI.builder().withSentinelMasterId(sentinel.getMaster());
      for (DataRedisConnectionDetails.Node node : nodes) {
        RedisURI sentinelNode = RedisURI.create(node.host(), node.port());
        if (sentinel.getPassword() != null) { // A Sentinel's own credentials, as Boot's.
          RedisCredentials credentials =
              RedisCredentials.just(sentinel.getUsername(), sentinel.getPassword());
          sentinelNode.setCredentialsProvider(RedisCredentialsProvider.from(() -> credentials));
        }
        uri.withSentinel(sentinelNode);
      }
      uri.withDatabase(sentinel.getDatabase());
    } else {
      DataRedisConnectionDetails.Standalone standalone = connection.getStandalone();
      uri =
          RedisURI.builder()
              .withHost(standalone.getHost())
              .withPort(standalone.getPort())
              .withDatabase(standalone.getDatabase());
    }
    if (connection.getPassword() != null) {
      if (connection.getUsername() != null) {
        uri.withAuthentication(connection.getUsername(), connection.getPassword());
      } else {
        uri.withPassword(connection.getPassword().toCharArray());
      }
    }
    if (connection.getSslBundle() != null) {
      uri.withSsl(true); // Trusted as the JVM trusts: the bundle's own trust material is not read.
    }
    return uri.build();
  }

  /**
   * The store's health ({@code sessionStore}), with its connection state; replaces the starter's
   * generic one. Read at each call, so that it also describes a RedisSessionStore bean of the
   * application's own.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class RedisHealth {

    @Bean
    @ConditionalOnMissingBean(name = "sessionStoreHealthIndicator")
    HealthIndicator sessionStoreHealthIndicator(ObjectProvider<SessionStore> stores) {
      return () -> {
        SessionStore store = stores.getIfAvailable();
        if (store == null) {
          return Health.unknown().withDetail("store", "none").build();
        }
        Health.Builder health = store.acceptsWrites() ? Health.up() : Health.outOfService();
        health.withDetail("sessions", store.size());
        if (store instanceof RedisSessionStore) {
          RedisSessionStore.Stats stats = ((RedisSessionStore) store).stats();
          health
              .withDetail("store", "redis")
              .withDetail("connected", stats.connected())
              .withDetail("rebuilds", stats.rebuilds());
        }
        return health.build();
      };
    }
  }

  /** The store's meters ({@link RedisMetrics}), where Micrometer and broadcast-micrometer are. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, RedisMetrics.class})
  static class RedisMeters {

    @Bean
    MeterBinder broadcastRedisMeters(ObjectProvider<SessionStore> stores) {
      return registry -> {
        if (stores.getIfAvailable() instanceof RedisSessionStore) {
          new RedisMetrics((RedisSessionStore) stores.getIfAvailable(), Tags.empty())
              .bindTo(registry);
        }
      };
    }
  }
}
