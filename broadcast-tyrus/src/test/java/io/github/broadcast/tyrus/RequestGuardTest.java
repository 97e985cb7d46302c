package io.github.broadcast.tyrus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.broadcast.tyrus.RequestGuard.Head;
import io.github.broadcast.tyrus.RequestGuard.Refusal;
import io.github.broadcast.tyrus.RequestGuard.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

final class RequestGuardTest {

  private static final String HOST = "127.0.0.1:8765";
  private static final String OWN = "http://127.0.0.1:8765";

  private static RequestGuard guard(String token, boolean tls) throws Exception {
    ServerNames names = ServerNames.of("127.0.0.1", 8765, tls, List.of());
    return new RequestGuard(
        names,
        origin -> origin == null || names.origins().contains(origin),
        token == null ? List.of() : List.of(token),
        "broadcast-token-8765",
        tls);
  }

  private static Head get(String path, String query) {
    return new Head("GET", path, query, HOST, null, null, null, false);
  }

  @Test
  void ownHostAndOrigin_areServed_andAMissingOriginIsNotABrowser() throws Exception {
    RequestGuard guard = guard(null, false);
    assertThat(guard.check(get("/api/sessions", null))).isEqualTo(Verdict.ALLOW);
    assertThat(guard.check(new Head("POST", "/api/hooks", null, HOST, OWN, null, null, false)))
        .isEqualTo(Verdict.ALLOW);
  }

  @Test
  void foreignHost_isRefusedBeforeAnythingElse_evenWithTheRightToken() throws Exception {
    RequestGuard guard = guard("s3cret", false);
    Verdict verdict =
        guard.check(
            new Head(
                "GET",
                "/api/sessions",
                null,
                "evil.example:8765",
                null,
                "Bearer s3cret",
                null,
                false));
    assertThat(verdict.status()).isEqualTo(403);
    assertThat(verdict.refusal()).isEqualTo(Refusal.HOST);
    assertThat(guard.check(new Head("GET", "/", null, null, null, null, null, false)).refusal())
        .as("no Host at all")
        .isEqualTo(Refusal.HOST);
  }

  @Test
  void foreignOrigin_isRefused_onPostsAndHandshakesAlike() throws Exception {
    RequestGuard guard = guard(null, false);
    for (boolean webSocket : new boolean[] {false, true}) {
      Verdict verdict =
          guard.check(
              new Head("POST", "/ws", null, HOST, "http://evil.example", null, null, webSocket));
      assertThat(verdict.status()).isEqualTo(403);
      assertThat(verdict.refusal()).isEqualTo(Refusal.ORIGIN);
    }
    assertThat(guard.check(new Head("POST", "/x", null, HOST, "null", null, null, false)).status())
        .as("an opaque origin (sandboxed frame, file://)")
        .isEqualTo(403);
  }

  @Test
  void severalTokens_eachOpensTheDoor_andThePageCookieCarriesTheOneItWasOpenedWith()
      throws Exception {
    ServerNames names = ServerNames.of("127.0.0.1", 8765, false, List.of());
    RequestGuard guard =
        new RequestGuard(names, origin -> true, List.of("first", "second"), "c", false);
    Verdict opened = guard.check(get("/", "token=second&project=a"));
    assertThat(opened.status()).isEqualTo(303);
    assertThat(opened.location()).isEqualTo("/?project=a");
    assertThat(opened.setCookie()).startsWith("c=second;");
    assertThat(
            guard.check(
                new Head("GET", "/api/sessions", null, HOST, null, "Bearer first", null, false)))
        .isEqualTo(Verdict.ALLOW);
    assertThat(
            guard.check(
                new Head("GET", "/api/sessions", null, HOST, null, null, "c=second", false)))
        .isEqualTo(Verdict.ALLOW);
    assertThat(
            guard
                .check(
                    new Head("GET", "/api/sessions", null, HOST, null, "Bearer third", null, false))
                .status())
        .isEqualTo(401);
    assertThat(guard.check(get("/", "token=third")).status()).isEqualTo(401);
  }

  @Test
  void token_isTakenFromBearerOrCookie_onEveryPath() throws Exception {
    RequestGuard guard = guard("s3 cret;", false);
    assertThat(guard.check(get("/api/metrics", null)).status()).isEqualTo(401);
    assertThat(guard.check(get("/api/metrics", null)).refusal()).isEqualTo(Refusal.TOKEN);
    assertThat(
            guard.check(
                new Head("GET", "/api/metrics", null, HOST, null, "Bearer s3 cret;", null, false)))
        .isEqualTo(Verdict.ALLOW);
    assertThat(
            guard
                .check(
                    new Head("GET", "/api/metrics", null, HOST, null, "Bearer wrong", null, false))
                .status())
        .isEqualTo(401);
    assertThat(
            guard.check(
                new Head(
                    "GET",
                    "/",
                    null,
                    HOST,
                    null,
                    null,
                    "a=b; broadcast-token-8765=s3+cret%3B; c=d",
                    false)))
        .isEqualTo(Verdict.ALLOW);
    assertThat(
            guard
                .check(
                    new Head(
                        "POST", "/api/hooks", "token=s3+cret%3B", HOST, null, null, null, false))
                .status())
        .as("?token= opens pages only")
        .isEqualTo(401);
  }

  @Test
  void tokenInTheAddress_isMovedToAnHttpOnlyStrictCookie_byARedirect() throws Exception {
    RequestGuard guard = guard("s3cret", false);
    Verdict verdict = guard.check(get("/", "token=s3cret"));
    assertThat(verdict.status()).isEqualTo(303);
    assertThat(verdict.location()).isEqualTo("/");
    assertThat(verdict.setCookie())
        .isEqualTo("broadcast-token-8765=s3cret; Path=/; HttpOnly; SameSite=Strict");
    assertThat(guard.check(get("/index.html", "a=1&token=s3cret&b=2")).location())
        .isEqualTo("/index.html?a=1&b=2");
    assertThat(guard.check(get("/", "token=wrong")).status()).isEqualTo(401);
    assertThat(guard(null, false).check(get("/", "token=s3cret")))
        .as("no token configured: nothing to move")
        .isEqualTo(Verdict.ALLOW);
    assertThat(guard("s3cret", true).check(get("/", "token=s3cret")).setCookie())
        .endsWith("; Secure");
  }

  @Test
  void redirect_neverLeavesThisServer() {
    assertThat(RequestGuard.withoutToken("//evil.example/", "token=x")).isEqualTo("/");
    assertThat(RequestGuard.withoutToken("/\\evil.example", "token=x")).isEqualTo("/");
    assertThat(RequestGuard.withoutToken("https://evil.example/", "token=x")).isEqualTo("/");
    assertThat(RequestGuard.withoutToken("/page", "tokenish=1&token=x"))
        .isEqualTo("/page?tokenish=1");
  }

  @Test
  void webSocket_acceptsTheTokenInItsQuery() throws Exception {
    RequestGuard guard = guard("s3cret", false);
    assertThat(guard.check(new Head("GET", "/ws", "token=s3cret", HOST, OWN, null, null, true)))
        .isEqualTo(Verdict.ALLOW);
    assertThat(guard.check(new Head("GET", "/ws", null, HOST, OWN, null, null, true)).status())
        .isEqualTo(401);
  }

  @Test
  void shuttingDown_refusesEverythingWith503() throws Exception {
    RequestGuard guard = guard(null, false);
    guard.shutDown();
    Verdict verdict = guard.check(get("/", null));
    assertThat(verdict.status()).isEqualTo(503);
    assertThat(verdict.refusal()).isEqualTo(Refusal.SHUTTING_DOWN);
  }
}
