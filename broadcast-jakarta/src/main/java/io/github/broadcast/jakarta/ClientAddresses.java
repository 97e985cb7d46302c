package io.github.broadcast.jakarta;

import io.github.broadcast.internal.Addresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Who a connection comes from, for the limits per address: the peer of its TCP connection, or, when
 * that peer is one of the trusted proxies, the nearest address in its forwarding chain (the one
 * header the proxies write: {@code X-Forwarded-For}, or {@code Forwarded: for=}) that is not a
 * trusted proxy. The chain is read from the right, because only the entries the trusted proxies
 * appended can be believed: a client may write anything at the left. An entry that is no address
 * ({@code unknown}, an obfuscated {@code _name}) stops the walk, and the proxy that reported it
 * stands for the client.
 *
 * <p>Addresses are literals only, never looked up in DNS. An IPv6 address counts as its /64: one
 * host is commonly given the whole /64, and could otherwise take a fresh address per connection.
 *
 * <p>Immutable and thread-safe.
 */
final class ClientAddresses {

  /** The header of RFC 7239. */
  static final String FORWARDED = "Forwarded";

  /** The de facto header most proxies append to (nginx, HAProxy, cloud load balancers). */
  static final String X_FORWARDED_FOR = "X-Forwarded-For";

  private final String header;
  private final List<byte[]> networks = new ArrayList<>();
  private final List<Integer> prefixes = new ArrayList<>();

  /**
   * Trusts the proxies at {@code addresses}: IP literals, or networks in CIDR notation ({@code
   * 10.0.0.0/8}, {@code fd00::/8}).
   *
   * @throws IllegalArgumentException naming {@code trustedProxies} and the bad entry
   */
  ClientAddresses(Collection<String> addresses, String header) {
    this.header = header;
    for (String entry : addresses) {
      String text = entry == null ? "" : entry.strip();
      int slash = text.indexOf('/');
      InetAddress network = literal(slash < 0 ? text : text.substring(0, slash));
      int bits = network == null ? -1 : network.getAddress().length * 8;
      int prefix = bits;
      if (network != null && slash >= 0) {
        prefix = prefixLength(text.substring(slash + 1), bits);
      }
      if (network == null || prefix < 0) {
        throw new IllegalArgumentException(
            "trustedProxies : "
                + entry
                + " (expected: an IP address or a CIDR network, such as 10.0.0.0/8 or fd00::/8)");
      }
      networks.add(network.getAddress());
      prefixes.add(prefix);
    }
  }

  /** Whether any proxy is trusted; when none is, the peer is always the client. */
  boolean trustsAny() {
    return !networks.isEmpty();
  }

  /** Whether {@code address} is one of the trusted proxies. */
  boolean trusts(InetAddress address) {
    byte[] bytes = address.getAddress();
    for (int i = 0; i < networks.size(); i++) {
      if (within(bytes, networks.get(i), prefixes.get(i))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The client behind {@code peer}: {@code peer} itself unless it is a trusted proxy; else the walk
   * described above, over {@code chain} (oldest hop first, as the headers list them).
   */
  InetAddress client(InetAddress peer, List<String> chain) {
    InetAddress current = peer;
    if (!trusts(peer)) {
      return peer;
    }
    for (int i = chain.size() - 1; i >= 0; i--) {
      InetAddress hop = literal(hostOf(chain.get(i)));
      if (hop == null) {
        return current;
      }
      if (!trusts(hop)) {
        return hop;
      }
      current = hop;
    }
    return current;
  }

  /**
   * The forwarding chain in a request's headers, oldest hop first, from the one header this
   * instance reads ({@code X-Forwarded-For}, or the {@code for=} of each element of {@code
   * Forwarded}, RFC 7239); repeated header lines are joined in order, names compared without case.
   * Never the other header: a proxy that appends to one passes a client's own copy of the other
   * through untouched, and that copy is all the client's to write.
   */
  List<String> chain(Map<String, List<String>> headers) {
    List<String> chain = new ArrayList<>();
    for (String line : values(headers, header)) {
      for (String element : line.split(",")) {
        chain.add(header.equals(FORWARDED) ? forParameter(element) : element.strip());
      }
    }
    return chain;
  }

  /** The key the limits count an address under: IPv4 as written, IPv6 as its /64. */
  static String key(InetAddress address) {
    return Addresses.key(address);
  }

  /** The address an IP literal names, or null for anything else; never a DNS lookup. */
  static InetAddress literal(String text) {
    return Addresses.literal(text);
  }

  /** An entry's host: {@code [v6]:port} and {@code v4:port} lose their port. */
  private static String hostOf(String entry) {
    String text = entry.strip();
    if (text.startsWith("[")) {
      int end = text.indexOf(']');
      return end < 0 ? text : text.substring(0, end + 1);
    }
    int colon = text.indexOf(':');
    if (colon >= 0 && colon == text.lastIndexOf(':')) {
      return text.substring(0, colon); // One colon: v4 with a port. More: a bare v6.
    }
    return text;
  }

  private static String forParameter(String element) {
    for (String pair : element.split(";")) {
      int equals = pair.indexOf('=');
      if (equals > 0 && pair.substring(0, equals).strip().equalsIgnoreCase("for")) {
        String value = pair.substring(equals + 1).strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        return value;
      }
    }
    return ""; // No for= in this hop: not an address.
  }

  private static List<String> values(Map<String, List<String>> headers, String name) {
    List<String> values = new ArrayList<>();
    headers.forEach(
        (key, lines) -> {
          if (key != null && key.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
            values.addAll(lines);
          }
        });
    return values;
  }

  private static int prefixLength(String text, int bits) {
    try {
      int prefix = Integer.parseInt(text.strip());
      return prefix >= 0 && prefix <= bits ? prefix : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean within(byte[] address, byte[] network, int prefix) {
    if (address.length != network.length) {
      return false;
    }
    int whole = prefix / 8;
    for (int i = 0; i < whole; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xff << (8 - rest) & 0xff;
    return (address[whole] & mask) == (network[whole] & mask);
  }
}
