package io.github.broadcast.tyrus;

import io.github.broadcast.internal.Addresses;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.glassfish.grizzly.CloseType;
import org.glassfish.grizzly.Closeable;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.GenericCloseListener;
import org.glassfish.grizzly.Grizzly;
import org.glassfish.grizzly.attributes.Attribute;

/**
 * The cap on unfinished requests per client address: a connection holds one place from the moment
 * it opens, or a new request's first bytes arrive, until its head has been parsed, and again while
 * its body is being gathered. A head deadline and a body deadline bound how long each place is
 * held; this bounds how many one address holds at once, so that one address opening connections
 * that send half a request cannot take the sockets and memory of everyone else. A connection over
 * the cap is closed at once (a new connection, which has sent nothing) or answered 429 (a new
 * request on a kept-alive one).
 *
 * <p>The address is the TCP peer's (an IPv6 peer counts as its /64, as for the endpoint's limits):
 * the head has not been read yet, so no forwarding header can be believed. Behind a reverse proxy
 * every client has the proxy's address; proxies gather heads and bodies before they forward them,
 * so raise the cap to cover the proxy's concurrency, or leave it to the proxy.
 *
 * <p>Thread-safe.
 */
final class UnfinishedRequests {

  // The place a connection holds now, if it holds one.
  private static final Attribute<Place> HELD =
      Grizzly.DEFAULT_ATTRIBUTE_BUILDER.createAttribute(UnfinishedRequests.class.getName());

  private final int maxPerAddress;
  private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();
  private final LongAdder refused = new LongAdder();

  UnfinishedRequests(int maxPerAddress) {
    this.maxPerAddress = maxPerAddress;
  }

  /** Connections closed or answered 429 because their address held its cap of places. */
  long refused() {
    return refused.sum();
  }

  /** Places held now, over all addresses. */
  int held() {
    return held.values().stream().mapToInt(Integer::intValue).sum();
  }

  /**
   * Takes a place for {@code connection}, unless it holds one already; returns false, and counts a
   * refusal, when its address holds its cap.
   */
  boolean acquire(Connection<?> connection) {
    if (HELD.isSet(connection)) {
      return true;
    }
    String address = address(connection);
    boolean[] taken = new boolean[1];
    held.compute(
        address,
        (key, count) -> {
          int now = count == null ? 0 : count;
          taken[0] = now < maxPerAddress;
          return taken[0] ? now + 1 : count;
        });
    if (!taken[0]) {
      refused.increment();
      return false;
    }
    Place place = new Place(this, address, connection);
    HELD.set(connection, place);
    connection.addCloseListener(place);
    return true;
  }

  /** Gives back the place {@code connection} holds, if it holds one. */
  static void release(Connection<?> connection) {
    Place place = HELD.remove(connection);
    if (place != null) {
      connection.removeCloseListener(place);
      place.giveBack();
    }
  }

  /** The peer's key: IPv4 as written, IPv6 as its /64, as the endpoint's limits count it. */
  private static String address(Connection<?> connection) {
    Object peer = connection.getPeerAddress();
    if (peer instanceof InetSocketAddress && ((InetSocketAddress) peer).getAddress() != null) {
      return Addresses.key(((InetSocketAddress) peer).getAddress());
    }
    return String.valueOf(peer);
  }

  /** One held place; given back once, on release or when its connection closes. */
  @SuppressWarnings("deprecation") // Grizzly 4 has no close listener that is not deprecated.
  private static final class Place implements GenericCloseListener {
    private final UnfinishedRequests owner;
    private final String address;
    private final Connection<?> connection;
    private boolean given; // Guarded by this.

    Place(UnfinishedRequests owner, String address, Connection<?> connection) {
      this.owner = owner;
      this.address = address;
      this.connection = connection;
    }

    @Override
    public void onClosed(Closeable closeable, CloseType type) {
      HELD.remove(connection);
      giveBack();
    }

    void giveBack() {
      synchronized (this) {
        if (given) {
          return;
        }
        given = true;
      }
      owner.held.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
    }
  }
}
