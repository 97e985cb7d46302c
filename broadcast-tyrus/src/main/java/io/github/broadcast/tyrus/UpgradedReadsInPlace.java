package io.github.broadcast.tyrus;

import java.io.IOException;
import java.util.concurrent.Executor;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.IOEvent;
import org.glassfish.grizzly.IOStrategy;
import org.glassfish.grizzly.Transport;
import org.glassfish.grizzly.attributes.Attribute;
import org.glassfish.grizzly.strategies.SameThreadIOStrategy;
import org.glassfish.grizzly.strategies.WorkerThreadIOStrategy;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;

/*
 * Design note: where a WebSocket frame is read.
 *
 * Grizzly's worker-thread strategy hands every read from the selector thread that saw it to a
 * worker: a queue, a signal and a wake-up per read. HTTP needs that (a handler may block on a
 * body, a store, a lock held for long). An upgraded connection does not: what arrives on it is a
 * pong, an ack or a client's ping, and what the endpoint does with each is short and never blocks
 * (it takes the outbox's monitor, and the sends it starts are asynchronous). Paced delivery reads
 * a pong per frame, so at 10,000 pages the hand-over is paid tens of thousands of times a second.
 *
 * So a read on a connection whose handshake succeeded (UpgradedConnections marks it once the 101 is
 * written) runs where it was seen, as SameThreadIOStrategy runs it; every other event, and every
 * event of a connection still speaking HTTP, goes to a worker as before. Handshakes, and with them
 * the endpoint's onOpen (which builds a snapshot), still run on workers: the request that upgrades
 * is read while the connection speaks HTTP.
 */
/** Grizzly's worker-thread strategy, except for reads on upgraded connections; see the note. */
@SuppressWarnings("rawtypes") // IOStrategy's own signatures.
final class UpgradedReadsInPlace implements IOStrategy {

  /** Set on a connection once its WebSocket handshake has been answered with 101. */
  static final Attribute<Boolean> WEBSOCKET =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(
          UpgradedReadsInPlace.class.getName() + ".websocket");

  private final IOStrategy workers = WorkerThreadIOStrategy.getInstance();
  private final IOStrategy inPlace = SameThreadIOStrategy.getInstance();

  private IOStrategy strategyFor(Connection<?> connection, IOEvent event) {
    return event == IOEvent.READ && WEBSOCKET.isSet(connection) ? inPlace : workers;
  }

  @Override
  public boolean executeIoEvent(Connection connection, IOEvent ioEvent) throws IOException {
    return executeIoEvent(connection, ioEvent, true);
  }

  @Override
  public boolean executeIoEvent(Connection connection, IOEvent ioEvent, boolean isIoEventEnabled)
      throws IOException {
    return strategyFor(connection, ioEvent).executeIoEvent(connection, ioEvent, isIoEventEnabled);
  }

  @Override
  public Executor getThreadPoolFor(Connection connection, IOEvent ioEvent) {
    return strategyFor(connection, ioEvent).getThreadPoolFor(connection, ioEvent);
  }

  @Override
  public ThreadPoolConfig createDefaultWorkerPoolConfig(Transport transport) {
    return workers.createDefaultWorkerPoolConfig(transport);
  }
}
