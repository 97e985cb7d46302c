package io.github.broadcast.examples.dashboard;

import io.github.broadcast.Topics;
import io.github.broadcast.jakarta.TopicAccess;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.glassfish.grizzly.http.server.Request;

/**
 * The dashboard's tokens ({@code --token}, repeatable) and what each opens: {@code TOKEN} every
 * project, {@code TOKEN=GLOB} the projects whose name matches the glob ({@code *} any run, {@code
 * ?} one character). The value splits at its last {@code =}: a token that itself ends with {@code
 * =} (base64) opens everything, and is scoped by writing the glob after it. A request's token is
 * the one it carries: {@code Authorization: Bearer}, the page's cookie, or {@code ?token=} on a
 * WebSocket handshake (the server's front door already refused any other).
 *
 * <p>Immutable; thread-safe.
 */
final class TokenScopes {

  private record Scope(byte[] token, Topics topics) {}

  private final List<Scope> scopes;

  private TokenScopes(List<Scope> scopes) {
    this.scopes = scopes;
  }

  /** No token: every request sees every project. */
  static final TokenScopes NONE = new TokenScopes(List.of());

  /**
   * Reads {@code --token} values.
   *
   * @throws IllegalArgumentException naming {@code --token}: a blank token or glob, or a token
   *     given twice
   */
  static TokenScopes parse(List<String> values) {
    List<Scope> scopes = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String value : values) {
      int eq = value.lastIndexOf('=');
      String token = eq < 0 || eq == value.length() - 1 ? value : value.substring(0, eq);
      String glob = eq < 0 || eq == value.length() - 1 ? null : value.substring(eq + 1);
      if (token.isBlank()) {
        throw new IllegalArgumentException(
            "--token : a blank token (expected: TOKEN or TOKEN=GLOB)");
      }
      if (!seen.add(token)) {
        throw new IllegalArgumentException("--token : the same token given twice");
      }
      Topics topics;
      try {
        topics = glob == null ? Topics.all() : Topics.matching(glob);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--token : " + e.getMessage(), e);
      }
      scopes.add(new Scope(token.getBytes(StandardCharsets.UTF_8), topics));
    }
    return new TokenScopes(List.copyOf(scopes));
  }

  /** Whether any token is required. */
  boolean required() {
    return !scopes.isEmpty();
  }

  /**
   * What the tokens open, without the tokens: {@code "2 tokens: 1 opens every project, 1 opens
   * team-*"}, printed at startup so that a token that split where it should not shows.
   */
  String describe() {
    long all = scopes.stream().filter(s -> s.topics().isAll()).count();
    List<String> globs = new ArrayList<>();
    for (Scope scope : scopes) {
      globs.addAll(scope.topics().globs());
    }
    return scopes.size()
        + (scopes.size() == 1 ? " token: " : " tokens: ")
        + all
        + " open"
        + (all == 1 ? "s" : "")
        + " every project"
        + (globs.isEmpty() ? "" : ", the others open " + String.join(", ", globs));
  }

  /** Every token, for the server's front door. */
  List<String> tokens() {
    return scopes.stream().map(s -> new String(s.token(), StandardCharsets.UTF_8)).toList();
  }

  /**
   * The projects the first of {@code presented} that is one of the tokens opens (as the front door
   * accepts a request if any credential it carries is one): all of them without tokens; none if
   * none is. Each is compared with every token in constant time.
   */
  Topics allowed(String... presented) {
    if (scopes.isEmpty()) {
      return Topics.all();
    }
    for (String candidate : presented) {
      if (candidate == null) {
        continue;
      }
      byte[] bytes = candidate.getBytes(StandardCharsets.UTF_8);
      Topics found = null;
      for (Scope scope : scopes) {
        if (MessageDigest.isEqual(scope.token(), bytes)) {
          found = scope.topics();
        }
      }
      if (found != null) {
        return found;
      }
    }
    return Topics.none();
  }

  /** The projects a WebSocket handshake's token opens: {@code ?token=}, Bearer or the cookie. */
  Topics allowed(TopicAccess.Request request, String cookieName) {
    return allowed(
        request.parameter("token"),
        bearer(request.header("Authorization")),
        decode(request.cookie(cookieName)));
  }

  /** The projects an HTTP request's token opens: Bearer or the cookie. */
  Topics allowed(Request request, String cookieName) {
    String cookieToken = null;
    if (request.getCookies() != null) {
      for (var cookie : request.getCookies()) {
        if (cookie.getName().equals(cookieName) && cookieToken == null) {
          cookieToken = decode(cookie.getValue());
        }
      }
    }
    return allowed(bearer(request.getHeader("Authorization")), cookieToken);
  }

  private static String bearer(String authorization) {
    return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        ? authorization.substring(7).strip()
        : null;
  }

  private static String decode(String value) {
    if (value == null) {
      return null;
    }
    try {
      return URLDecoder.decode(value, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
