package io.github.broadcast.spring;

import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import jakarta.servlet.ServletContext;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.web.context.ServletContextAware;

/**
 * Adds the endpoint to the servlet container's {@code ServerContainer} once every singleton exists,
 * as Spring's {@code ServerEndpointExporter} does, without requiring spring-websocket. Fails
 * start-up, saying what to add, where the container has no Jakarta WebSocket support.
 */
final class BroadcastEndpointRegistrar implements ServletContextAware, SmartInitializingSingleton {

  private final BroadcastEndpointConfig endpoint;
  private ServletContext servletContext;

  BroadcastEndpointRegistrar(BroadcastEndpointConfig endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public void setServletContext(ServletContext servletContext) {
    this.servletContext = servletContext;
  }

  @Override
  public void afterSingletonsInstantiated() {
    Object container =
        servletContext == null
            ? null
            : servletContext.getAttribute(ServerContainer.class.getName());
    if (!(container instanceof ServerContainer)) {
      throw new IllegalStateException(
          "no Jakarta WebSocket ServerContainer in the servlet context, so "
              + endpoint.path()
              + " cannot be deployed (expected: tomcat-embed-websocket, which"
              + " spring-boot-starter-tomcat brings, or Jetty's jakarta websocket server)");
    }
    try {
      ((ServerContainer) container).addEndpoint(endpoint.serverEndpointConfig());
    } catch (DeploymentException e) {
      throw new IllegalStateException(
          "cannot deploy " + endpoint.path() + ": " + e.getMessage(), e);
    }
  }
}
