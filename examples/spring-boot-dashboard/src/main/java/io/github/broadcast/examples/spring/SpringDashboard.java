package io.github.broadcast.examples.spring;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.SessionStore;
import io.github.broadcast.examples.dashboard.core.SessionModel;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.spring.RedisSessionStoreBuilderCustomizer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import tools.jackson.databind.node.ObjectNode;

/**
 * The example dashboard on Spring Boot: Claude Code hooks in at {@code POST /api/hooks}, sessions
 * out over WebSocket at {@code /ws/dashboard} (broadcast-spring-boot-starter), the page that
 * dashboard-server serves, and the broadcaster's meters at {@code /actuator/prometheus}.
 *
 * <p>Run: {@code java -jar examples/spring-boot-dashboard/target/spring-boot-dashboard.jar
 * --server.port=8080}; settings are {@code broadcast.*} (the starter) and {@code dashboard.*}
 * ({@link DashboardProperties}).
 */
@SpringBootApplication
@EnableConfigurationProperties(DashboardProperties.class)
public class SpringDashboard {

  /** Starts the dashboard; arguments are Spring Boot's ({@code --server.port=8080}). */
  public static void main(String[] args) {
    SpringApplication.run(SpringDashboard.class, args);
  }

  /** The clock sessions are stamped with. */
  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  /**
   * The sessions, in memory, each listed until its time to live runs out; every change goes to the
   * broadcaster, the sessions already there first.
   */
  // snippet:spring
  @Bean(destroyMethod = "close")
  @ConditionalOnProperty(
      name = "broadcast.redis.enabled",
      havingValue = "false",
      matchIfMissing = true)
  SessionStore sessionStore(Broadcaster broadcaster, DashboardProperties properties, Clock clock) {
    SessionStore store =
        SessionStore.inMemory()
            .expireAfter((ObjectNode state) -> timeToLive(state, properties, clock))
            .build();
    store.subscribe(broadcaster::publish); // The starter's broadcaster; its endpoint is deployed.
    return store;
  }

  // snippet:end

  /**
   * With {@code broadcast.redis.enabled=true}, the starter builds the store on Redis instead (from
   * {@code spring.data.redis.*}) and sends its changes to the broadcaster; this tells it when a
   * session expires, as the in-memory store above is told.
   */
  // snippet:spring-redis
  @Bean
  RedisSessionStoreBuilderCustomizer sessionExpiry(DashboardProperties properties, Clock clock) {
    return builder -> builder.expireAfter(state -> timeToLive(state, properties, clock));
  }

  // snippet:end

  private static Duration timeToLive(
      ObjectNode state, DashboardProperties properties, Clock clock) {
    return SessionModel.timeToLive(
        state, properties.endedTtl(), properties.idleTtl(), clock.instant());
  }

  /** {@code POST /api/hooks}, read without a thread (see {@link HookServlet}). */
  @Bean
  HookServlet hookServlet(
      SessionStore store,
      DashboardProperties properties,
      Clock clock,
      ScheduledExecutorService bodyDeadlines) {
    return new HookServlet(store, properties, clock, bodyDeadlines);
  }

  /** Maps {@link HookServlet} beside Spring MVC's dispatcher; an exact path wins over its "/". */
  @Bean
  ServletRegistrationBean<HookServlet> hooks(HookServlet servlet) {
    ServletRegistrationBean<HookServlet> registration =
        new ServletRegistrationBean<>(servlet, "/api/hooks");
    registration.setAsyncSupported(true);
    return registration;
  }

  /** One daemon thread that ends hook bodies that missed their deadline. */
  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService bodyDeadlines() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, "hook-body-deadlines");
              thread.setDaemon(true);
              return thread;
            });
    timer.setRemoveOnCancelPolicy(true); // Most deadlines are cancelled: keep the queue short.
    return timer;
  }

  /** Host and Origin checks in front of every request, the page and the API alike. */
  @Bean
  FilterRegistrationBean<FrontDoorFilter> frontDoor(
      DashboardProperties properties, BroadcastEndpointConfig endpoint) {
    FilterRegistrationBean<FrontDoorFilter> filter =
        new FilterRegistrationBean<>(
            new FrontDoorFilter(properties.allowedHosts(), endpoint::allowsOrigin));
    filter.setOrder(Ordered.HIGHEST_PRECEDENCE);
    filter.addUrlPatterns("/*");
    return filter;
  }

  /**
   * Tomcat's per-connection socket send buffer, when {@code dashboard.socket-send-buffer} is set.
   */
  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> socketSendBuffer(
      DashboardProperties properties) {
    return factory -> {
      if (properties.socketSendBuffer() != null) {
        String bytes = String.valueOf(properties.socketSendBuffer().toBytes());
        factory.addConnectorCustomizers(c -> c.setProperty("socket.txBufSize", bytes));
      }
    };
  }

  /**
   * Prints {@code dashboard: http://127.0.0.1:PORT/} once Tomcat listens, the same line
   * dashboard-server prints, so the load test starts either server the same way.
   */
  @Bean
  ApplicationListener<WebServerInitializedEvent> announce() {
    return event ->
        System.out.println("dashboard: http://127.0.0.1:" + event.getWebServer().getPort() + "/");
  }
}
