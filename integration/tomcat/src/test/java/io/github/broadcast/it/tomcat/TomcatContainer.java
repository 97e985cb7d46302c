package io.github.broadcast.it.tomcat;

import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.jakarta.EndpointStats;
import io.github.broadcast.testing.jakarta.Container;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletException;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.catalina.Context;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;

/**
 * broadcast-jakarta's endpoint on embedded Tomcat 11, deployed as any Tomcat application would:
 * Tomcat's WebSocket initializer ({@code WsSci}) makes the {@code ServerContainer}, an initializer
 * of ours adds the endpoint to it, and a servlet mapping lets upgrade requests reach Tomcat's
 * WebSocket filter, as the documented program ({@code recipe.TomcatRecipe}) does.
 */
final class TomcatContainer implements Container {

  private Tomcat tomcat;
  private BroadcastEndpointConfig endpoint;
  private Path base;

  @Override
  public URI start(BroadcastEndpointConfig.Builder builder) throws Exception {
    base = Files.createTempDirectory("tomcat");
    tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    tomcat.setPort(0);
    tomcat.getConnector(); // Creates the default HTTP/1.1 connector.
    BroadcastEndpointConfig endpoint = builder.build();
    Context context = tomcat.addContext("", base.toString());
    context.addServletContainerInitializer(new WsSci(), null);
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
                  endpoint.shutdown(
                      Duration.ofSeconds(5)); // Clients are told 1001 before Tomcat stops.
                }
              });
        },
        null);
    Tomcat.addServlet(context, "default", new DefaultServlet());
    context.addServletMappingDecoded("/", "default");
    this.endpoint = endpoint;
    tomcat.start();
    return URI.create("ws://127.0.0.1:" + tomcat.getConnector().getLocalPort() + endpoint.path());
  }

  @Override
  public EndpointStats stats() {
    return endpoint.stats();
  }

  @Override
  public void close() throws Exception {
    tomcat.stop(); // The listener above says 1001 to every client first.
    tomcat.destroy();
    deleteRecursively(base.toFile());
  }

  private static void deleteRecursively(File file) {
    File[] children = file.listFiles();
    if (children != null) {
      for (File child : children) {
        deleteRecursively(child);
      }
    }
    file.delete();
  }
}
