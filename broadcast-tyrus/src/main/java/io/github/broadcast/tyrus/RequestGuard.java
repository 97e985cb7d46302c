package io.github.broadcast.tyrus;

import io.github.broadcast.internal.Secret;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.StringJoiner;
import java.util.function.Predicate;

/**
 * Decides, from a request's head alone, whether the embedded server serves it: every HTTP request
 * and every WebSocket handshake passes here before any handler or Tyrus sees it.
 *
 * <ol>
 *   <li>while the server shuts down: 503;
 *   <li>a {@code Host} the server does not answer to: 403 (DNS rebinding: a page whose name now
 *       points at this machine sends its own name);
 *   <li>an {@code Origin} that is not allowed: 403 (a request without one, from curl or a hook
 *       script, is not a browser's and passes);
 *   <li>a token, when one is required: {@code Authorization: Bearer}, or the cookie this guard
 *       sets; on a WebSocket handshake also {@code ?token=}. A page opened once with {@code
 *       ?token=} is redirected (303) to the same address without it, with the token as an {@code
 *       HttpOnly; SameSite=Strict} cookie, so the token leaves the address bar, the history, the
 *       logs and the Referer. Anything else: 401.
 * </ol>
 *
 * <p>Pure: no I/O, no Grizzly types. Thread-safe (immutable, apart from the shutdown flag).
 */
final class RequestGuard {

  /** Why a request was refused. */
  enum Refusal {
    HOST,
    ORIGIN,
    TOKEN,
    SHUTTING_DOWN
  }

  /**
   * What to do with a request: serve it ({@link #ALLOW}), redirect it ({@code location} and {@code
   * setCookie}), or refuse it with {@code status} and {@code message}.
   */
  record Verdict(int status, String message, Refusal refusal, String location, String setCookie) {
    static final Verdict ALLOW = new Verdict(0, null, null, null, null);

    boolean allowed() {
      return status == 0;
    }
  }

  /** A request's head, as far as the guard reads it; null for an absent header. */
  record Head(
      String method,
      String path,
      String query,
      String host,
      String origin,
      String authorization,
      String cookie,
      boolean webSocket) {}

  private final ServerNames names;
  private final Predicate<String> originAllowed;
  private final List<Secret> tokens; // Empty: no token required.
  private final String cookieName;
  private final boolean tls;
  private volatile boolean shuttingDown;

  RequestGuard(
      ServerNames names,
      Predicate<String> originAllowed,
      List<String> tokens,
      String cookieName,
      boolean tls) {
    this.names = names;
    this.originAllowed = originAllowed;
    this.tokens = tokens.stream().map(Secret::of).toList();
    this.cookieName = cookieName;
    this.tls = tls;
  }

  /** From now on every request is refused with 503. */
  void shutDown() {
    shuttingDown = true;
  }

  boolean isShuttingDown() {
    return shuttingDown;
  }

  Verdict check(Head head) {
    if (shuttingDown) {
      return refuse(503, Refusal.SHUTTING_DOWN, "the server is shutting down; retry shortly");
    }
    if (!names.isHost(head.host)) {
      return refuse(
          403,
          Refusal.HOST,
          head.host == null
              ? "a Host header is required"
              : "this server does not answer to the name in the Host header: " + head.host);
    }
    if (head.origin != null && !originAllowed.test(head.origin)) {
      return refuse(403, Refusal.ORIGIN, "origin not allowed: " + head.origin);
    }
    if (tokens.isEmpty()) {
      return Verdict.ALLOW;
    }
    String queryToken = Secret.queryParameter(head.query, "token");
    boolean page = !head.webSocket && ("GET".equals(head.method) || "HEAD".equals(head.method));
    if (queryToken != null && page) {
      return matches(queryToken)
          ? new Verdict(
              303, null, null, withoutToken(head.path, head.query), cookie(head.host, queryToken))
          : refuse(401, Refusal.TOKEN, "wrong token");
    }
    if (matches(bearer(head.authorization))
        || matches(cookieValue(head.cookie, cookieName))
        || (head.webSocket && matches(queryToken))) {
      return Verdict.ALLOW;
    }
    return refuse(
        401,
        Refusal.TOKEN,
        "token required: send Authorization: Bearer <token>, or open the page once as"
            + " /?token=<token>");
  }

  /** Whether {@code presented} is one of the tokens; compares with each, in constant time. */
  private boolean matches(String presented) {
    boolean any = false;
    for (Secret token : tokens) {
      any |= token.matches(presented);
    }
    return any;
  }

  private static Verdict refuse(int status, Refusal refusal, String message) {
    return new Verdict(status, message, refusal, null, null);
  }

  private String cookie(String host, String token) {
    return cookieName
        + "="
        + URLEncoder.encode(token, StandardCharsets.UTF_8)
        + "; Path=/; HttpOnly; SameSite=Strict"
        + (tls || names.isSecureHost(host) ? "; Secure" : "");
  }

  /**
   * The address to redirect to: the same path and query without {@code token}. A path that a
   * browser could read as another host ({@code //evil.example}, {@code /\evil.example}) becomes
   * {@code /}.
   */
  static String withoutToken(String path, String query) {
    String safePath =
        path == null || !path.startsWith("/") || path.startsWith("//") || path.contains("\\")
            ? "/"
            : path;
    StringJoiner rest = new StringJoiner("&");
    if (query != null) {
      for (String pair : query.split("&")) {
        if (!pair.isEmpty() && !pair.equals("token") && !pair.startsWith("token=")) {
          rest.add(pair);
        }
      }
    }
    return rest.length() == 0 ? safePath : safePath + "?" + rest;
  }

  private static String bearer(String authorization) {
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return authorization.substring(7).strip();
    }
    return null;
  }

  /** Returns the value of cookie {@code name} in a {@code Cookie} header, decoded, or null. */
  static String cookieValue(String header, String name) {
    if (header == null) {
      return null;
    }
    for (String pair : header.split(";")) {
      String trimmed = pair.strip();
      if (trimmed.startsWith(name + "=")) {
        return Secret.decode(trimmed.substring(name.length() + 1));
      }
    }
    return null;
  }
}
