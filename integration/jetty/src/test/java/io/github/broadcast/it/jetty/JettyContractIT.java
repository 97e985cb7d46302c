package io.github.broadcast.it.jetty;

import io.github.broadcast.testing.jakarta.Container;
import io.github.broadcast.testing.jakarta.EndpointContract;

/** The endpoint contract on embedded Jetty 12 (ee10). */
final class JettyContractIT extends EndpointContract {

  @Override
  protected Container container() {
    return new JettyContainer();
  }
}
