package io.github.broadcast.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Keeps each binder reachable for as long as a registry it was bound to is. Micrometer holds the
 * object a gauge or a function counter reads weakly, so a binder dropped once bound ({@code new
 * HttpMetrics(...).bindTo(registry)}) would be collected, and its meters read NaN or stop. A gauge
 * with a strong reference would keep it only while that meter is not filtered out; this does not
 * depend on any one meter. Keyed weakly by registry: a registry dropped releases its binders.
 */
final class Retained {

  private static final Map<MeterRegistry, List<Object>> BINDERS = new WeakHashMap<>();

  private Retained() {}

  /** Keeps {@code binder} reachable while {@code registry} is. */
  static void by(MeterRegistry registry, Object binder) {
    synchronized (BINDERS) {
      BINDERS.computeIfAbsent(registry, r -> new ArrayList<>()).add(binder);
    }
  }
}
