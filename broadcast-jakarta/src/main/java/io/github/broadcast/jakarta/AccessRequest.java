package io.github.broadcast.jakarta;

import io.github.broadcast.internal.Secret;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A handshake as {@link TopicAccess} sees it; immutable, kept for the client's later subscribes.
 */
final class AccessRequest implements TopicAccess.Request {

  private final Principal principal;
  private final String query;
  private final Map<String, List<String>> headers; // Case-insensitive names.

  /**
   * @param headers the handshake's headers, or an empty map when they were not kept
   */
  AccessRequest(Principal principal, String query, Map<String, List<String>> headers) {
    this.principal = principal;
    this.query = query;
    TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach(
        (name, values) -> {
          if (name != null && values != null) {
            List<String> kept = new ArrayList<>(values);
            kept.removeIf(Objects::isNull);
            copy.put(name, List.copyOf(kept));
          }
        });
    this.headers = copy;
  }

  @Override
  public Principal principal() {
    return principal;
  }

  @Override
  public String parameter(String name) {
    return Secret.queryParameter(query, name);
  }

  @Override
  public List<String> parameters(String name) {
    List<String> values = new ArrayList<>(1);
    if (query == null) {
      return values;
    }
    String prefix = name + "=";
    for (String pair : query.split("&")) {
      if (pair.startsWith(prefix)) {
        String value = Secret.decode(pair.substring(prefix.length()));
        if (value != null) {
          values.add(value);
        }
      }
    }
    return values;
  }

  @Override
  public String header(String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  @Override
  public String cookie(String name) {
    List<String> values = headers.get("cookie");
    if (values == null) {
      return null;
    }
    for (String header : values) {
      for (String pair : header.split(";")) {
        String trimmed = pair.strip();
        if (trimmed.startsWith(name + "=")) {
          return trimmed.substring(name.length() + 1);
        }
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "AccessRequest[principal="
        + (principal == null ? null : principal.getName())
        + ", headers="
        + headers.keySet().toString().toLowerCase(Locale.ROOT)
        + "]";
  }
}
