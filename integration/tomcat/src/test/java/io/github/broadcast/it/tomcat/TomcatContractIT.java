package io.github.broadcast.it.tomcat;

import io.github.broadcast.testing.jakarta.Container;
import io.github.broadcast.testing.jakarta.EndpointContract;

/** The endpoint contract on embedded Tomcat 11. */
final class TomcatContractIT extends EndpointContract {

  @Override
  protected Container container() {
    return new TomcatContainer();
  }
}
