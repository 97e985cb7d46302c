// snippet:jetty-program
package io.github.broadcast.it.jetty.recipe;

import io.github.broadcast.Broadcaster;
import io.github.broadcast.Broadcasters;
import io.github.broadcast.SessionStore;
import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Serves a changing session at ws://127.0.0.1:8080/ws/dashboard on plain Jetty 12 until stopped.
 */
public final class JettyRecipe {

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

    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    JakartaWebSocketServletContainerInitializer.configure(
        context,
        (servletContext, container) -> container.addEndpoint(endpoint.serverEndpointConfig()));
    context.addServlet( // A plain GET at the socket's path: 426 Upgrade Required.
        new ServletHolder(
            new HttpServlet() {
              @Override
              protected void doGet(HttpServletRequest request, HttpServletResponse response) {
                response.setStatus(426);
                response.setHeader("Upgrade", "websocket");
              }
            }),
        endpoint.path());
    server.setHandler(context);
    // Jetty closes its connections before its contexts stop: say 1001 when stopping begins, and
    // close what the server served once it has stopped.
    server.addEventListener(
        new LifeCycle.Listener() {
          @Override
          public void lifeCycleStopping(LifeCycle event) {
            endpoint.shutdown(Duration.ofSeconds(5));
          }

          @Override
          public void lifeCycleStopped(LifeCycle event) {
            broadcaster.close();
            store.close();
          }
        });
    // Ctrl-C and SIGTERM stop the server (so the listener above runs). Without this line, Jetty
    // is not stopped at all on SIGTERM: the JVM just exits, and every page sees 1006.
    server.setStopAtShutdown(true);
    server.start();

    // Your application changes sessions; every page connected gets each change.
    ScheduledExecutorService work = Executors.newSingleThreadScheduledExecutor();
    work.scheduleAtFixedRate(
        () -> store.apply("session-1", s -> s.put("ticks", s.path("ticks").asLong() + 1)),
        0,
        1,
        TimeUnit.SECONDS);
    System.out.println("serving ws://127.0.0.1:" + connector.getLocalPort() + endpoint.path());
    server.join();
  }
}
// snippet:end
