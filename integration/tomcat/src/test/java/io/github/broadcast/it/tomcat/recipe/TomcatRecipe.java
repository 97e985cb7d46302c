// snippet:tomcat-program
package io.github.broadcast.it.tomcat.recipe;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionStore;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;

/** Serves a changing session at ws://127.0.0.1:8080/ws/dashboard on embedded Tomcat 11. */
public final class TomcatRecipe {

  /** Serves until stopped; the first argument is the port (default 8080; 0 picks a free one). */
  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    Broadcaster broadcaster =
        Broadcasters.Preset.PRODUCTION
            .newBuilder()
            .heartbeat(Duration.ofSeconds(15), Duration.ofSeconds(45))
            .build();
    SessionStore store = SessionStore.inMemory().build();
    store.subscribe(broadcaster::publish); // Every session there, then every change.
    BroadcastEndpointConfig endpoint =
        BroadcastEndpointConfig.newBuilder("/ws/dashboard", broadcaster)
            .allowedOrigins("http://localhost:" + port) // The origin of your page.
            .build();

    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
    tomcat.setHostname("127.0.0.1");
    tomcat.setPort(port);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", null);
    context.addServletContainerInitializer(new WsSci(), null); // Tomcat's ServerContainer.
    context.addServletContainerInitializer(
        (classes, servletContext) -> {
          ServerContainer container =
              (ServerContainer) servletContext.getAttribute(ServerContainer.class.getName());
          try {
            container.addEndpoint(endpoint.serverEndpointConfig());
          } catch (DeploymentException e) {
            throw new ServletException(e);
          }
          servletContext.addListener(
              new ServletContextListener() {
                @Override
                public void contextDestroyed(ServletContextEvent event) {
                  endpoint.shutdown(Duration.ofSeconds(5)); // 1001 before Tomcat stops.
                }
              });
        },
        null);
    // Upgrade requests reach Tomcat's WebSocket filter only at a path some servlet maps: this one
    // answers a plain GET there with 426 Upgrade Required.
    Tomcat.addServlet(
        context,
        "upgrade-required",
        new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest request, HttpServletResponse response) {
            response.setStatus(426);
            response.setHeader("Upgrade", "websocket");
          }
        });
    context.addServletMappingDecoded(endpoint.path(), "upgrade-required");
    Tomcat.addServlet(context, "default", new DefaultServlet()); // Your page, and the rest.
    context.addServletMappingDecoded("/", "default");
    tomcat.start();

    // Ctrl-C and SIGTERM: stop Tomcat (the listener above tells every page 1001 first), then
    // close what it served. Embedded Tomcat installs no hook of its own; the JVM waits for this.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    tomcat.stop();
                    tomcat.destroy();
                  } catch (LifecycleException e) {
                    e.printStackTrace();
                  }
                  broadcaster.close();
                  store.close();
                }));

    // Your application changes sessions; every page connected gets each change.
    ScheduledExecutorService work = Executors.newSingleThreadScheduledExecutor();
    work.scheduleAtFixedRate(
        () -> store.apply("session-1", s -> s.put("ticks", s.path("ticks").asLong() + 1)),
        0,
        1,
        TimeUnit.SECONDS);
    int local = tomcat.getConnector().getLocalPort();
    System.out.println("serving ws://127.0.0.1:" + local + endpoint.path());
    tomcat.getServer().await();
  }
}
// snippet:end
