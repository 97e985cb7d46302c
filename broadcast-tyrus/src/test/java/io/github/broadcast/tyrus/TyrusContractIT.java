package io.github.broadcast.tyrus;

import io.github.broadcast.jakarta.BroadcastEndpointConfig;
import io.github.broadcast.jakarta.EndpointStats;
import io.github.broadcast.testing.jakarta.Container;
import io.github.broadcast.testing.jakarta.EndpointContract;
import java.net.URI;

/** The endpoint contract on Tyrus, in this module's embedded server. */
final class TyrusContractIT extends EndpointContract {

  @Override
  protected Container container() {
    return new Container() {
      private EmbeddedServer server;

      @Override
      public URI start(BroadcastEndpointConfig.Builder endpoint) throws Exception {
        server = EmbeddedServer.newBuilder().endpoint(endpoint).start();
        return server.webSocketUri();
      }

      @Override
      public EndpointStats stats() {
        return server.endpointStats();
      }

      @Override
      public void close() {
        server.close(); // Graceful: 1001 to every client first.
      }
    };
  }
}
