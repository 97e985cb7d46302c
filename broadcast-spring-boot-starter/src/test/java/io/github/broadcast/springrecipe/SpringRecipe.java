// snippet:spring-program
package io.github.broadcast.springrecipe;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.SessionStore;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A Spring Boot application that publishes a changing session every second to every page at {@code
 * broadcast.path}. Its properties (application.properties, or the command line): {@code
 * broadcast.path=/ws/dashboard} and {@code broadcast.allowed-origins=https://your.page}.
 */
@SpringBootApplication
@EnableScheduling
public class SpringRecipe {

  /** Starts it; Spring Boot stops it on SIGTERM, and the starter tells every page 1001 first. */
  public static void main(String[] args) {
    SpringApplication.run(SpringRecipe.class, args);
  }

  /** The sessions; every change goes to the starter's broadcaster. */
  @Bean(destroyMethod = "close")
  SessionStore sessionStore(Broadcaster broadcaster) {
    SessionStore store = SessionStore.inMemory().build();
    store.subscribe(broadcaster::publish); // Every session there, then every change.
    return store;
  }

  /** Your application's work: here, a tick a second. */
  @Component
  static class Ticks {
    private final SessionStore store;

    Ticks(SessionStore store) {
      this.store = store;
    }

    @Scheduled(fixedRate = 1000)
    void tick() {
      store.apply("session-1", s -> s.put("ticks", s.path("ticks").asLong() + 1));
    }
  }

  /** Says where it serves, once the web server listens. */
  @Bean
  ApplicationListener<WebServerInitializedEvent> announce() {
    return event ->
        System.out.println(
            "serving ws://127.0.0.1:" + event.getWebServer().getPort() + "/ws/dashboard");
  }
}
// snippet:end
