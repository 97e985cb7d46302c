package io.github.broadcast.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The one token rule, which the endpoint's handshake and the embedded server's front door both use:
 * what matches, and how a presented token is read from a query string or a cookie.
 */
final class SecretTest {

  @Test
  void matches_onlyTheSameSecret_andNeverNull() {
    Secret secret = Secret.of("s3cret é");
    assertThat(secret.matches("s3cret é")).isTrue();
    assertThat(secret.matches("s3cret")).isFalse();
    assertThat(secret.matches("s3cret é ")).isFalse();
    assertThat(secret.matches("")).isFalse();
    assertThat(secret.matches(null)).isFalse();
  }

  @Test
  void none_isNull_andABlankOneIsRefused_withoutRepeatingIt() {
    assertThat(Secret.of(null)).isNull();
    assertThatThrownBy(() -> Secret.of("  "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("token : blank (expected: a non-blank secret)");
  }

  @Test
  void itsStringNeverShowsIt() {
    assertThat(Secret.of("s3cret").toString()).doesNotContain("s3cret");
    assertThat(Secret.of("s3cret").reveal()).isEqualTo("s3cret");
  }

  @Test
  void queryParameter_isTheFirstValue_decodedAsAFormDoes() {
    assertThat(Secret.queryParameter("a=1&token=a%2Bb+c&token=second", "token")).isEqualTo("a+b c");
    assertThat(Secret.queryParameter("tokens=x&token=", "token")).isEmpty();
    assertThat(Secret.queryParameter("xtoken=1", "token")).isNull();
    assertThat(Secret.queryParameter(null, "token")).isNull();
  }

  @Test
  void aMalformedEscape_isNoValue_neverAPartialOne() {
    assertThat(Secret.queryParameter("token=abc%2", "token")).isNull();
    assertThat(Secret.queryParameter("token=%zz", "token")).isNull();
    assertThat(Secret.decode("%E2%82")).isNotNull(); // Incomplete UTF-8 decodes to a replacement.
    assertThat(Secret.of("abc%2").matches(Secret.queryParameter("token=abc%2", "token"))).isFalse();
  }
}
