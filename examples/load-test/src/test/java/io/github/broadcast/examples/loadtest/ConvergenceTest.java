package io.github.broadcast.examples.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class ConvergenceTest {

  private final Map<String, Long> truth = Map.of("a", 7L, "b", 3L, "other", 1L);
  private final Set<String> expected = Set.of("a", "b");

  @Test
  void everyViewEqualToTheServers_converged() {
    assertThat(LoadTest.converged(List.of(Map.copyOf(truth), Map.copyOf(truth)), truth, expected))
        .isTrue();
  }

  @Test
  void oneViewBehindOnAVersion_notConverged() {
    Map<String, Long> behind = Map.of("a", 6L, "b", 3L, "other", 1L);

    assertThat(LoadTest.converged(List.of(Map.copyOf(truth), behind), truth, expected)).isFalse();
  }

  @Test
  void viewMissingASession_orHoldingOneTheServerDropped_notConverged() {
    assertThat(LoadTest.converged(List.of(Map.of("a", 7L, "b", 3L)), truth, expected)).isFalse();
    Map<String, Long> extra = Map.of("a", 7L, "b", 3L, "other", 1L, "gone", 2L);
    assertThat(LoadTest.converged(List.of(extra), truth, expected)).isFalse();
  }

  @Test
  void serverMissingARunsSession_notConverged_evenIfClientsAgreeWithIt() {
    Map<String, Long> partial = Map.of("a", 7L);

    assertThat(LoadTest.converged(List.of(partial), partial, expected)).isFalse();
  }
}
