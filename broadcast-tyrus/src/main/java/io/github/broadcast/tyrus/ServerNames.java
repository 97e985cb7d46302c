package io.github.broadcast.tyrus;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The names a server answers to, and the page origins that follow from them: the {@code Host}
 * values it accepts (against DNS rebinding) and the {@code Origin} values it accepts (against
 * cross-site requests and WebSocket hijacking).
 *
 * <ul>
 *   <li>its bind address;
 *   <li>the loopback names ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}) when bound to
 *       loopback or to every address;
 *   <li>the machine's own names and addresses when bound to every address;
 *   <li>the public URLs it is given (a proxy in front: {@code https://dash.example.com}).
 * </ul>
 *
 * <p>A {@code Host} value is {@code name:port}, or the bare name when the port is its scheme's
 * default; an origin is {@code scheme://name[:port]}, the port left out when it is the default, as
 * browsers send it. Local names get both {@code http} and {@code https} origins. Immutable.
 */
final class ServerNames {

  private static final List<String> LOOPBACK_NAMES = List.of("localhost", "127.0.0.1", "[::1]");

  private final Set<String> hosts;
  private final Set<String> origins;
  private final Set<String> secureHosts; // Host values of https public URLs: cookies get Secure.

  private ServerNames(Set<String> hosts, Set<String> origins, Set<String> secureHosts) {
    this.hosts = Collections.unmodifiableSet(hosts);
    this.origins = Collections.unmodifiableSet(origins);
    this.secureHosts = Collections.unmodifiableSet(secureHosts);
  }

  /**
   * The names of a server bound to {@code bindHost}:{@code port}, serving TLS or not, behind the
   * given public URLs (already checked by {@link #checkPublicUrl}).
   */
  static ServerNames of(String bindHost, int port, boolean tls, List<URI> publicUrls)
      throws UnknownHostException {
    Set<String> names = new LinkedHashSet<>();
    InetAddress bind = InetAddress.getByName(bindHost);
    if (!bind.isAnyLocalAddress()) {
      names.add(uriHost(bindHost));
    }
    if (bind.isLoopbackAddress() || bind.isAnyLocalAddress()) {
      names.addAll(LOOPBACK_NAMES);
    }
    if (bind.isAnyLocalAddress()) {
      names.addAll(machineNames());
    }
    Set<String> hosts = new LinkedHashSet<>();
    Set<String> origins = new LinkedHashSet<>();
    Set<String> secureHosts = new LinkedHashSet<>();
    for (String name : names) {
      hosts.add(name + ":" + port);
      if (port == (tls ? 443 : 80)) {
        hosts.add(name);
      }
      origins.add(origin("http", name, port));
      origins.add(origin("https", name, port));
    }
    for (URI url : publicUrls) {
      String scheme = url.getScheme().toLowerCase(Locale.ROOT);
      String name = url.getHost().toLowerCase(Locale.ROOT);
      int urlPort = url.getPort() < 0 ? defaultPort(scheme) : url.getPort();
      Set<String> urlHosts = new LinkedHashSet<>();
      urlHosts.add(name + ":" + urlPort);
      if (urlPort == defaultPort(scheme)) {
        urlHosts.add(name);
      }
      hosts.addAll(urlHosts);
      if (scheme.equals("https")) {
        secureHosts.addAll(urlHosts);
      }
      origins.add(origin(scheme, name, urlPort));
    }
    return new ServerNames(hosts, origins, secureHosts);
  }

  /**
   * Checks a public URL: {@code http} or {@code https}, a host, no user info, no path beyond {@code
   * /}, no query.
   *
   * @throws IllegalArgumentException naming the option, for anything else
   */
  static URI checkPublicUrl(String url) {
    String expected = " (expected: http[s]://name[:port], such as https://dash.example.com)";
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("publicUrl : blank" + expected);
    }
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (Exception e) {
      throw new IllegalArgumentException("publicUrl : " + url + expected, e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https"))
        || uri.getHost() == null
        || uri.getRawUserInfo() != null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || !(uri.getRawPath() == null
            || uri.getRawPath().isEmpty()
            || uri.getRawPath().equals("/"))) {
      throw new IllegalArgumentException("publicUrl : " + url + expected);
    }
    return uri;
  }

  /** Returns whether a request's {@code Host} header names this server. */
  boolean isHost(String host) {
    return host != null && hosts.contains(normalize(host));
  }

  /** Returns whether {@code host} is the Host of an https public URL (behind a TLS proxy). */
  boolean isSecureHost(String host) {
    return host != null && secureHosts.contains(normalize(host));
  }

  /** A Host value in the form kept here: lower case, an IPv6 literal compressed (RFC 5952). */
  private static String normalize(String host) {
    String lower = host.strip().toLowerCase(Locale.ROOT);
    int close = lower.indexOf(']');
    if (!lower.startsWith("[") || close < 0) {
      return lower;
    }
    String literal = lower.substring(1, close);
    if (!literal.matches("[0-9a-f:.]+")) {
      return lower;
    }
    try {
      return uriHost(InetAddress.getByName(literal).getHostAddress()) + lower.substring(close + 1);
    } catch (UnknownHostException e) {
      return lower; // Not an address: it will match nothing.
    }
  }

  /** The accepted Host values, lower case. */
  Set<String> hosts() {
    return hosts;
  }

  /** The origins of pages this server serves, lower case. */
  Set<String> origins() {
    return origins;
  }

  private static String origin(String scheme, String name, int port) {
    return scheme + "://" + name + (port == defaultPort(scheme) ? "" : ":" + port);
  }

  private static int defaultPort(String scheme) {
    return scheme.equals("https") ? 443 : 80;
  }

  /**
   * An address as it appears in a URI's authority and a browser's Host header: IPv6 in brackets,
   * compressed (RFC 5952: {@code [::1]}, not {@code [0:0:0:0:0:0:0:1]}), without its zone.
   */
  static String uriHost(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    if (!lower.contains(":") || lower.startsWith("[")) {
      return lower;
    }
    int zone = lower.indexOf('%');
    return "[" + compress(zone < 0 ? lower : lower.substring(0, zone)) + "]";
  }

  /** Compresses an IPv6 address: leading zeros dropped, the longest run of 0 groups as ::. */
  static String compress(String address) {
    String[] groups;
    try {
      groups = InetAddress.getByName(address).getHostAddress().split(":");
    } catch (UnknownHostException e) {
      return address;
    }
    if (groups.length != 8) {
      return address; // An IPv4 address, or an IPv4-mapped form Java already shortened.
    }
    int bestStart = -1;
    int bestLength = 1; // RFC 5952: a single 0 group is not compressed.
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j].equals("0")) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    if (bestStart < 0) {
      return String.join(":", groups);
    }
    String head = String.join(":", List.of(groups).subList(0, bestStart));
    String tail = String.join(":", List.of(groups).subList(bestStart + bestLength, 8));
    return head + "::" + tail;
  }

  /** The machine's host name, its canonical name, and every address of every interface. */
  private static Set<String> machineNames() {
    Set<String> names = new LinkedHashSet<>();
    try {
      InetAddress local = InetAddress.getLocalHost();
      names.add(local.getHostName().toLowerCase(Locale.ROOT));
      names.add(local.getCanonicalHostName().toLowerCase(Locale.ROOT));
    } catch (UnknownHostException e) {
      // A host name that does not resolve: its addresses below still count.
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          String text = address.getHostAddress();
          names.add(address instanceof Inet6Address ? uriHost(text) : text);
        }
      }
    } catch (SocketException e) {
      // No interface list: the host names above and loopback remain.
    }
    return names;
  }
}
