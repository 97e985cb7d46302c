package io.github.broadcast.examples.dashboard.core;

import java.util.UUID;
import java.util.regex.Pattern;

/** The checks on a {@code POST /api/hooks} request's headers that both dashboards make. */
public final class HookRequests {

  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");

  private HookRequests() {}

  /**
   * Why a hook's {@code Content-Type} is refused (415), or null when it is {@code application/json}
   * in UTF-8. Anything else is refused on purpose: a web page may send {@code text/plain} or a form
   * cross-site without a preflight, but never {@code application/json}.
   */
  public static String contentTypeProblem(String declared) {
    if (declared != null) {
      String[] parts = declared.split(";");
      boolean json = parts[0].strip().equalsIgnoreCase("application/json");
      boolean utf8 = true;
      for (int i = 1; i < parts.length; i++) {
        String[] parameter = parts[i].strip().split("=", 2);
        if (parameter[0].strip().equalsIgnoreCase("charset")) {
          utf8 =
              parameter.length == 2
                  && parameter[1].strip().replace("\"", "").equalsIgnoreCase("utf-8");
        }
      }
      if (json && utf8) {
        return null;
      }
    }
    return "Content-Type : " + declared + " (expected: application/json, UTF-8)";
  }

  /**
   * The hook's change id: its {@code Idempotency-Key} header, so that a producer that posts the
   * same hook again after a 504 or a lost answer (curl's {@code --retry} resends the same header)
   * has it counted once; without the header, a fresh id, since two hooks with identical bodies (two
   * {@code Stop}s in a minute) are two events.
   *
   * @throws IllegalArgumentException for a malformed key, for a 400
   */
  public static String changeId(String idempotencyKey) {
    if (idempotencyKey == null) {
      return UUID.randomUUID().toString();
    }
    if (!IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
      throw new IllegalArgumentException(
          "Idempotency-Key : expected 1 to 100 letters, digits, - _ . :");
    }
    return "key:" + idempotencyKey;
  }
}
