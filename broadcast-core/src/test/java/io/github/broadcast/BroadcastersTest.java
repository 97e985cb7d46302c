package io.github.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every invalid option fails when set, or at build(), with a message naming it. */
final class BroadcastersTest {

  static Stream<Arguments> invalidOptions() {
    return Stream.of(
        invalid("sendTimeout", b -> b.sendTimeout(Duration.ZERO)),
        invalid("sendTimeout", b -> b.sendTimeout(Duration.ofSeconds(-1))),
        invalid("sendTimeout", b -> b.sendTimeout(null)),
        invalid("batchInterval", b -> b.batchInterval(Duration.ZERO)),
        invalid("batchInterval", b -> b.batchInterval(null)),
        invalid("maxBatchEntries", b -> b.maxBatchEntries(0)),
        invalid("slowBroadcastThreshold", b -> b.slowBroadcastThreshold(Duration.ofMillis(-5))),
        invalid("heartbeat interval", b -> b.heartbeat(Duration.ZERO, Duration.ofSeconds(1))),
        invalid("heartbeat silenceTimeout", b -> b.heartbeat(Duration.ofSeconds(15), null)),
        invalid(
            "heartbeat silenceTimeout",
            b -> b.heartbeat(Duration.ofSeconds(15), Duration.ofSeconds(15))),
        invalid("codec", b -> b.codec(null)),
        invalid("ticker", b -> b.ticker(null)),
        invalid("scheduler", b -> b.scheduler(null)),
        invalid("listener", b -> b.listener(null)),
        invalid("outboxLimits", b -> b.outboxLimits(null)),
        invalid("overflowPolicy", b -> b.overflowPolicy(null)),
        invalid("maxBytes", b -> b.outboxLimits(OutboxLimits.DEFAULT.withMaxBytes(0))),
        invalid("maxFrames", b -> b.outboxLimits(OutboxLimits.DEFAULT.withMaxFrames(-1))),
        invalid("grace", b -> b.outboxLimits(OutboxLimits.DEFAULT.withGrace(Duration.ZERO))),
        invalid("batchInterval", b -> b.sequential().batchInterval(Duration.ofMillis(1)).build()),
        invalid("outboxLimits", b -> b.sequential().outboxLimits(OutboxLimits.DEFAULT).build()),
        invalid("overflowPolicy", b -> b.overflowPolicy(OverflowPolicy.DISCONNECT).build()));
  }

  private static Arguments invalid(String option, Consumer<Broadcasters.Builder> configure) {
    return Arguments.of(option, configure);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidOptions")
  void invalidOption_failsWithAMessageNamingIt(
      String option, Consumer<Broadcasters.Builder> configure) {
    assertThatThrownBy(() -> configure.accept(Broadcasters.newBuilder()))
        .isInstanceOfAny(
            IllegalArgumentException.class, IllegalStateException.class, NullPointerException.class)
        .hasMessageContaining(option);
  }

  @ParameterizedTest
  @EnumSource(Broadcasters.Preset.class)
  void everyPreset_builds_andClosesItsOwnSchedulerThread(Broadcasters.Preset preset) {
    long before = schedulerThreads();
    Broadcaster broadcaster = preset.newBuilder().build();
    assertThat(broadcaster.stats().clients()).isZero();
    assertThat(schedulerThreads()).isEqualTo(before + 1);
    broadcaster.close();
    Awaitility.await().until(() -> schedulerThreads() == before);
  }

  @ParameterizedTest
  @EnumSource(Broadcasters.Preset.class)
  void presetsAreBatchedExactlyWhenTheySaySo(Broadcasters.Preset preset) {
    Broadcaster broadcaster = preset.newBuilder().build();
    assertThat(broadcaster instanceof BatchingBroadcaster).isEqualTo(preset.isBatched());
    broadcaster.close();
  }

  private static long schedulerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("broadcast-scheduler-") && t.isAlive())
        .count();
  }
}
