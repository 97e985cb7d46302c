package io.github.broadcast.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Client addresses as the limits per address count them: IP literals parsed without any DNS lookup,
 * and the key an address is counted under (IPv4 as written, IPv6 as its /64, since one host is
 * commonly given a whole /64 and could otherwise take a fresh address per connection). Shared by
 * the endpoint's limits (broadcast-jakarta) and the embedded server's front door (broadcast-tyrus).
 * Not public API.
 */
public final class Addresses {

  private Addresses() {}

  /**
   * The address an IP literal names ({@code 192.0.2.1}, {@code 2001:db8::1}, {@code [::1]}), or
   * null for anything else. Never a DNS lookup: an IPv4 literal is parsed here, octet by octet, and
   * an IPv6 one is handed to the JDK in brackets, which it parses as a literal or refuses.
   */
  public static InetAddress literal(String text) {
    if (text == null) {
      return null;
    }
    String candidate = text.strip();
    if (candidate.startsWith("[") && candidate.endsWith("]")) {
      candidate = candidate.substring(1, candidate.length() - 1);
    }
    if (candidate.isEmpty()) {
      return null;
    }
    if (candidate.indexOf(':') < 0) {
      byte[] v4 = ipv4(candidate);
      if (v4 == null) {
        return null;
      }
      try {
        return InetAddress.getByAddress(v4);
      } catch (UnknownHostException e) {
        return null; // Not for four bytes.
      }
    }
    for (int i = 0; i < candidate.length(); i++) {
      char c = candidate.charAt(i);
      boolean allowed = Character.digit(c, 16) >= 0 || c == ':' || c == '.' || c == '%';
      if (!allowed && candidate.lastIndexOf('%', i) < 0) { // After '%' comes a zone id.
        return null;
      }
    }
    try {
      return InetAddress.getByName("[" + candidate + "]"); // Bracketed: a literal, or refused.
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** The four octets of a dotted IPv4 literal, or null. */
  private static byte[] ipv4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.length() > 3) {
        return null;
      }
      int value = 0;
      for (int j = 0; j < part.length(); j++) {
        int digit = Character.digit(part.charAt(j), 10);
        if (digit < 0) {
          return null;
        }
        value = value * 10 + digit;
      }
      if (value > 255) {
        return null;
      }
      bytes[i] = (byte) value;
    }
    return bytes;
  }

  /** The key the limits count {@code address} under: IPv4 as written, IPv6 as its /64. */
  public static String key(InetAddress address) {
    if (address instanceof Inet4Address) {
      return address.getHostAddress();
    }
    byte[] bytes = address.getAddress();
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < 8; i += 2) {
      key.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
    }
    return key.append(":/64").toString();
  }
}
