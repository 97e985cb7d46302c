package io.github.broadcast.tyrus;

import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.util.Set;
import org.glassfish.tyrus.core.TyrusWebSocketEngine;
import org.glassfish.tyrus.server.TyrusServerContainer;
import org.glassfish.tyrus.spi.WebSocketEngine;

/**
 * A Tyrus server container that owns its engine and leaves the HTTP server to {@link
 * EmbeddedServer}, where Tyrus' own Grizzly container would build and bind one itself (on 0.0.0.0,
 * with no way to add plain HTTP handlers). Modelled on Tyrus 2.2's {@code
 * GrizzlyServerContainer.TyrusGrizzlyServerContainer}, without its string-keyed properties.
 */
final class EmbeddedContainer extends TyrusServerContainer {

  private final WebSocketEngine engine;

  EmbeddedContainer(int incomingBufferSize) {
    super((Set<Class<?>>) null);
    this.engine = TyrusWebSocketEngine.builder(this).incomingBufferSize(incomingBufferSize).build();
  }

  @Override
  public void register(Class<?> endpointClass) throws DeploymentException {
    engine.register(endpointClass, "");
  }

  @Override
  public void register(ServerEndpointConfig serverEndpointConfig) throws DeploymentException {
    engine.register(serverEndpointConfig, "");
  }

  @Override
  public WebSocketEngine getWebSocketEngine() {
    return engine;
  }

  @Override
  public void start(String rootPath, int port) throws IOException, DeploymentException {
    super.start(rootPath, port);
  }
}
