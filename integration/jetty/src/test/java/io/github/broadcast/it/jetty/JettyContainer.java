package io.github.broadcast.it.jetty;

import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.jakarta.EndpointStats;
import io.github.broadcast.testing.jakarta.Container;
import java.net.URI;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * broadcast-jakarta's endpoint on embedded Jetty 12 (ee10), deployed as any Jetty application
 * would: Jetty's Jakarta WebSocket initializer hands over the {@code ServerContainer} and we add
 * the endpoint to it, as the documented program ({@code recipe.JettyRecipe}) does.
 */
final class JettyContainer implements Container {

  private Server server;
  private BroadcastEndpointConfig endpoint;

  @Override
  public URI start(BroadcastEndpointConfig.Builder builder) throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    BroadcastEndpointConfig endpoint = builder.build();
    ServletContextHandler context = new ServletContextHandler("/");
    JakartaWebSocketServletContainerInitializer.configure(
        context,
        (servletContext, container) -> container.addEndpoint(endpoint.serverEndpointConfig()));
    server.setHandler(context);
    // Jetty closes its connections before its contexts stop: say 1001 when stopping begins.
    server.addEventListener(
        new LifeCycle.Listener() {
          @Override
          public void lifeCycleStopping(LifeCycle event) {
            endpoint.shutdown(Duration.ofSeconds(5));
          }
        });
    this.endpoint = endpoint;
    server.start();
    return URI.create("ws://127.0.0.1:" + connector.getLocalPort() + endpoint.path());
  }

  @Override
  public EndpointStats stats() {
    return endpoint.stats();
  }

  @Override
  public void close() throws Exception {
    server.stop(); // The listener above says 1001 to every client first.
  }
}
